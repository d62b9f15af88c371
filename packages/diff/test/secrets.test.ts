import { UserError } from '@kosmos/cli';
import { ApiError } from '@kosmos/kube';
import type { KubeObject } from '@kosmos/objects';
import { describe, expect, it } from 'vitest';
import { HIDDEN, HIDDEN_CHANGED, isSecretKey, maskSecret, Redactor, secretKeyChanges } from '../src/secrets.ts';

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

describe('Redactor: short values and errors', () => {
  it('blanks values of 3 characters and more, leaves 1–2 character ones alone', () => {
    const r = new Redactor();
    r.add(secret({ pin: b64('pw42'), three: b64('xyz') }, { one: '1', two: 'no' }));
    expect(r.redact('pw42 xyz 1 no')).toBe(`${HIDDEN} ${HIDDEN} 1 no`);
  });

  it('rethrows an API error echoing a 4-character password with it blanked, as the same class', () => {
    const r = new Redactor();
    r.add(secret({}, { password: 'pw42' }));
    const e = new ApiError(
      'context "kind" (https://127.0.0.1:6443)',
      'PATCH /api/v1/namespaces/ns/secrets/s',
      'Secret "s" is invalid: data[password]: Invalid value: "pw42": not allowed',
      422,
      'Invalid',
      { kind: 'secrets', name: 's' },
    );
    const out = r.redactError(e);
    expect(out).toBeInstanceOf(ApiError);
    expect(out).not.toBe(e);
    expect(out.name).toBe('ApiError');
    expect(out).toBeInstanceOf(UserError);
    expect((out as ApiError).status).toBe(422);
    expect(out.message).toBe(
      `context "kind" (https://127.0.0.1:6443): PATCH /api/v1/namespaces/ns/secrets/s: Secret "s" is invalid: data[password]: Invalid value: "${HIDDEN}": not allowed`,
    );
    for (const text of [out.message, out.stack ?? '', (out as ApiError).serverMessage, JSON.stringify(out)]) {
      expect(text).not.toContain('pw42');
      expect(text).not.toContain(b64('pw42'));
    }
  });

  it('redacts a cause and plain values, and returns an error with nothing to blank as is', () => {
    const r = new Redactor();
    r.add(secret({ a: b64('pw42') }));
    const plain = new Error('nothing secret here');
    expect(r.redactError(plain)).toBe(plain);
    const wrapped = r.redactError(new Error('outer', { cause: new Error('inner pw42') }));
    expect((wrapped.cause as Error).message).toBe(`inner ${HIDDEN}`);
    expect(r.redactError('thrown string pw42').message).toBe(`thrown string ${HIDDEN}`);
  });
});

describe('isSecretKey', () => {
  it.each([
    [['postgresql', 'auth', 'password'], true],
    [['env', 'POSTGRES_PASSWORD'], true],
    [['cloudflare', 'apiToken'], true],
    [['oidc', 'clientSecret'], true],
    [['s3', 'accessKey'], true],
    [['credentials', 'user'], true],
    [['list', 0, 'password'], true],
    [['postgresql', 'auth', 'existingSecret'], false],
    [['postgresql', 'auth', 'passwordKey'], false],
    [['backup', 's3', 'secretAccessKeyKey'], false],
    [['global', 'imagePullSecrets'], false],
    [['tls', 'secretName'], false],
    [['valueFrom', 'secretKeyRef'], false],
    [['affinity', 'topologyKey'], false],
    [['agentDefaults', 'replicaCount'], false],
  ] as const)('%j -> %s', (path, secret) => {
    expect(isSecretKey(path)).toBe(secret);
  });
});
