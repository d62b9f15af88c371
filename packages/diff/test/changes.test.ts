import type { KubeObject } from '@kosmos/objects';
import { describe, expect, it } from 'vitest';
import { compareObject, hasDrift, summarise } from '../src/changes.ts';

const cm = (data: Record<string, string>, extra: Partial<KubeObject['metadata']> = {}): KubeObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name: 'cfg', namespace: 'ns', ...extra },
  data,
});

describe('compareObject', () => {
  it('is unchanged when only server-owned fields differ', () => {
    const c = compareObject({
      live: cm({ a: '1' }, { resourceVersion: '1', uid: 'x' }),
      desired: cm({ a: '1' }, { resourceVersion: '2' }),
    });
    expect(c.change).toBe('unchanged');
    expect(c.diff).toBe('');
    expect(c.id).toBe('v1/ConfigMap/ns/cfg');
  });

  it('shows exactly the changed field', () => {
    const c = compareObject({ live: cm({ a: '1', b: '2' }), desired: cm({ a: '1', b: '3' }), context: 0 });
    expect(c.change).toBe('changed');
    expect(c.diff.split('\n').filter((l) => /^[-+][^-+]/.test(l))).toEqual(['-  b: "2"', '+  b: "3"']);
  });

  it('classifies additions and deletions', () => {
    expect(compareObject({ desired: cm({ a: '1' }) }).change).toBe('added');
    const d = compareObject({ live: cm({ a: '1' }) });
    expect(d.change).toBe('deleted');
    expect(d.diff).toContain('-  a: "1"');
  });

  it('reports Secret keys and never their values', () => {
    const b64 = (s: string) => Buffer.from(s).toString('base64');
    const live: KubeObject = {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 's' },
      data: { pw: b64('s3cr3t-old'), keep: b64('k') },
    };
    const desired: KubeObject = {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 's' },
      data: { pw: b64('s3cr3t-new'), keep: b64('k') },
    };
    const c = compareObject({ live, desired });
    expect(c.change).toBe('changed');
    expect(c.secretKeys).toEqual({ added: [], changed: ['pw'], removed: [] });
    const all = JSON.stringify(c);
    expect(all).toContain('pw');
    expect(all).not.toMatch(/s3cr3t|czNjcjN0/);
  });

  it('keeps a note', () => {
    expect(compareObject({ desired: cm({}), note: 'namespace ns does not exist' }).note).toBe(
      'namespace ns does not exist',
    );
  });
});

describe('summarise', () => {
  it('counts per kind of change and says whether anything drifts', () => {
    const changes = [
      compareObject({ desired: cm({ a: '1' }) }),
      compareObject({ live: cm({ a: '1' }), desired: cm({ a: '2' }) }),
      compareObject({ live: cm({ a: '1' }), desired: cm({ a: '1' }) }),
    ];
    const row = summarise('app', 'ns', changes);
    expect(row).toEqual({ release: 'app', namespace: 'ns', added: 1, changed: 1, deleted: 0, unchanged: 1 });
    expect(hasDrift([row])).toBe(true);
    expect(hasDrift([{ ...row, added: 0, changed: 0 }])).toBe(false);
  });
});
