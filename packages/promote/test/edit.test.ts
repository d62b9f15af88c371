import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { findRepoRoot } from '@kosmos/environment';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { EditError, editYaml } from '../src/edit.ts';

const root = findRepoRoot(import.meta.dirname);
const read = (p: string) => readFileSync(join(root, p), 'utf8');

/** Lines that differ between two texts of the same line count. */
function changedLines(a: string, b: string): [string, string][] {
  const x = a.split('\n');
  const y = b.split('\n');
  expect(y.length).toBe(x.length);
  return x.flatMap((l, i) => (l === y[i] ? [] : [[l, y[i] as string] as [string, string]]));
}

describe('editYaml', () => {
  it('changes only the pinned scalars of environment.yaml: comments, order and spacing stay', () => {
    const before = read('environments/production/environment.yaml');
    const releases = (parse(before) as { releases: { name: string; version: string }[] }).releases;
    const platform = releases.findIndex((r) => r.name === 'platform');
    const after = editYaml(before, [
      { path: ['releases', 0, 'version'], value: '23.1.0' },
      { path: ['releases', platform, 'version'], value: '9.9.9' },
    ]);
    expect(changedLines(before, after)).toEqual([
      ['    version: 23.0.0 # Prometheus Operator v0.85.0', '    version: 23.1.0 # Prometheus Operator v0.85.0'],
      [`    version: ${releases[platform]?.version}`, '    version: 9.9.9'],
    ]);
  });

  it('keeps the quoting of each scalar and the aligned comments of a values file', () => {
    const before = read('environments/production/values/data-tier.yaml');
    const digest = `sha256:${'a'.repeat(64)}`;
    const after = editYaml(before, [
      { path: ['postgresql', 'image', 'tag'], value: '17.7-alpine' },
      { path: ['postgresql', 'image', 'digest'], value: digest },
    ]);
    expect(changedLines(before, after)).toEqual([
      ['    tag: 17.6-alpine', '    tag: 17.7-alpine'],
      ['    digest: ""', `    digest: "${digest}"`],
    ]);
    expect(after).toContain('    size: 50Gi            # seeds/000 postgres-data');
    expect(parse(after).postgresql.image.digest).toBe(digest);
  });

  it('quotes a plain scalar whose new value would read back as another type', () => {
    const after = editYaml('a:\n  tag: v1 # pinned\n', [{ path: ['a', 'tag'], value: '1.10' }]);
    expect(after).toBe('a:\n  tag: "1.10" # pinned\n');
    expect(editYaml("tag: 'x'\n", [{ path: ['tag'], value: "it's" }])).toBe("tag: 'it''s'\n");
    expect(editYaml('tag: "x"\n', [{ path: ['tag'], value: 'y' }])).toBe('tag: "y"\n');
  });

  it('adds a missing key of an existing mapping as one line after its last pair', () => {
    const text = '# head\nimage:\n  repository: r # repo\n  tag: v1 # tag\nother: 1\n';
    expect(editYaml(text, [{ path: ['image', 'digest'], value: 'sha256:abc' }])).toBe(
      '# head\nimage:\n  repository: r # repo\n  tag: v1 # tag\n  digest: sha256:abc\nother: 1\n',
    );
    expect(editYaml('image: { repository: r, tag: v1 }\n', [{ path: ['image', 'digest'], value: 'sha256:abc' }])).toBe(
      'image: { repository: r, tag: v1, digest: sha256:abc }\n',
    );
    expect(editYaml('image:\n  tag: v1', [{ path: ['image', 'digest'], value: 'd' }])).toBe(
      'image:\n  tag: v1\n  digest: d\n',
    );
  });

  it('refuses what it cannot edit in place, naming the file and key', () => {
    expect(() => editYaml('a: 1\n', [{ path: ['b', 'c'], value: 'x' }], 'f.yaml')).toThrow(EditError);
    expect(() => editYaml('a: 1\n', [{ path: ['b', 'c'], value: 'x' }], 'f.yaml')).toThrow(
      'f.yaml: b is not a mapping',
    );
    expect(() => editYaml('a: |\n  x\n', [{ path: ['a'], value: 'y' }], 'f.yaml')).toThrow(/block scalars/);
    expect(() => editYaml('a: [\n', [], 'f.yaml')).toThrow(/f.yaml: not valid YAML/);
  });

  it('leaves a file byte for byte alone when nothing differs', () => {
    const before = read('environments/staging/values/core-agents.yaml');
    expect(editYaml(before, [{ path: ['agents', 'athena', 'image', 'tag'], value: 'v2.0.0' }])).toBe(before);
  });
});
