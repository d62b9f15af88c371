import type { KubeObject } from '@kosmos/helm';
import { describe, expect, it } from 'vitest';
import { HIDDEN, HIDDEN_CHANGED, maskSecret, Redactor, secretKeyChanges } from '../src/secrets.ts';

const b64 = (s: string) => Buffer.from(s).toString('base64');
const secret = (data: Record<string, string>, stringData?: Record<string, string>): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: { name: 's', namespace: 'ns' },
  data,
  ...(stringData ? { stringData } : {}),
});

describe('secretKeyChanges', () => {
  it('compares decoded values, data against stringData', () => {
    const live = secret({ same: b64('v1'), moved: b64('old-value'), gone: b64('x') });
    const desired = secret({}, { same: 'v1', moved: 'new-value', fresh: 'y' });
    expect(secretKeyChanges(live, desired)).toEqual({ added: ['fresh'], changed: ['moved'], removed: ['gone'] });
  });

  it('treats a missing side as all added or all removed', () => {
    expect(secretKeyChanges(undefined, secret({ a: b64('1') }))).toEqual({ added: ['a'], changed: [], removed: [] });
    expect(secretKeyChanges(secret({ a: b64('1') }), undefined)).toEqual({ added: [], changed: [], removed: ['a'] });
  });
});

describe('maskSecret', () => {
  it('keeps key names only, marks changed keys, drops stringData', () => {
    const m = maskSecret(secret({ a: b64('s3cr3t-a') }, { b: 's3cr3t-b' }), ['b']);
    expect(m.data).toEqual({ a: HIDDEN, b: HIDDEN_CHANGED });
    expect(m.stringData).toBeUndefined();
    expect(JSON.stringify(m)).not.toMatch(/s3cr3t|czNjcjN0/);
  });

  it('leaves other kinds alone', () => {
    const cm: KubeObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: { a: 'visible' } };
    expect(maskSecret(cm)).toBe(cm);
  });
});

describe('Redactor', () => {
  it('blanks decoded and base64 forms of every value it saw', () => {
    const r = new Redactor();
    r.add(secret({ a: b64('s3cr3t-one') }, { b: 's3cr3t-two' }));
    const text = `x s3cr3t-one y ${b64('s3cr3t-one')} z s3cr3t-two ${b64('s3cr3t-two')}`;
    expect(r.redact(text)).toBe(`x ${HIDDEN} y ${HIDDEN} z ${HIDDEN} ${HIDDEN}`);
  });
});
