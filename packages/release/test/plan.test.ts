import { describe, expect, it } from 'vitest';
import { dependencyOrder, gitTagOf, type Published, planRelease, type TreeChart } from '../src/index.ts';

const A = `sha256:${'a'.repeat(64)}`;
const B = `sha256:${'b'.repeat(64)}`;

const charts = [
  { name: 'kosmos-common', version: '0.1.0' },
  { name: 'core-agents', version: '0.2.0' },
];
const built = new Map([
  ['kosmos-common', A],
  ['core-agents', A],
]);

/** `tags: null` is a tree outside git. */
const plan = (published: Record<string, Published>, tags: string[] | null = [], sign = false) =>
  planRelease({
    charts,
    published: new Map(Object.entries(published)),
    built,
    gitTags: tags === null ? undefined : new Set(tags),
    sign,
  });

describe('release plan', () => {
  it('pushes every absent version and tags it', () => {
    const p = plan({});
    expect(p.steps).toEqual([
      { action: 'push', chart: 'kosmos-common', version: '0.1.0', digest: A, tag: 'kosmos-common@0.1.0' },
      { action: 'push', chart: 'core-agents', version: '0.2.0', digest: A, tag: 'core-agents@0.2.0' },
    ]);
    expect([p.push, p.skip, p.refuse]).toEqual([2, 0, 0]);
  });

  it('skips a version published with the same chart layer; tags it only when the tag is missing', () => {
    const same: Published = { state: 'present', chartDigest: A, signed: false };
    const p = plan({ 'kosmos-common': same, 'core-agents': same }, ['kosmos-common@0.1.0']);
    expect(p.steps).toEqual([
      { action: 'skip', chart: 'kosmos-common', version: '0.1.0', digest: A, tag: undefined },
      { action: 'skip', chart: 'core-agents', version: '0.2.0', digest: A, tag: 'core-agents@0.2.0' },
    ]);
    expect([p.push, p.skip, p.refuse]).toEqual([0, 2, 0]);
  });

  it('refuses a version published with other content, naming the version and both digests', () => {
    const p = plan({ 'core-agents': { state: 'present', chartDigest: B, signed: false } });
    const refused = p.steps.find((s) => s.action === 'refuse');
    expect(refused).toMatchObject({ chart: 'core-agents', version: '0.2.0', built: A, published: B });
    expect(refused && 'reason' in refused && refused.reason).toContain('0.2.0');
    expect(refused && 'reason' in refused && refused.reason).toContain(A);
    expect(refused && 'reason' in refused && refused.reason).toContain(B);
    // The other chart is still pushed: one refusal does not block the rest.
    expect(p.steps[0]).toMatchObject({ action: 'push', chart: 'kosmos-common' });
    expect([p.push, p.skip, p.refuse]).toEqual([1, 0, 1]);
  });

  it('refuses a tag that holds something other than a chart', () => {
    const p = plan({ 'kosmos-common': { state: 'present', chartDigest: undefined, signed: false } });
    expect(p.steps[0]).toMatchObject({ action: 'refuse', reason: expect.stringContaining('not a helm chart') });
  });

  it('refuses a version that is not semver, and a chart with no archive', () => {
    const p = planRelease({
      charts: [
        { name: 'x', version: '1.0' },
        { name: 'y', version: '1.0.0' },
      ],
      published: new Map(),
      built: new Map([['x', A]]),
      gitTags: new Set(),
    });
    expect(p.steps.map((s) => [s.action, s.chart])).toEqual([
      ['refuse', 'x'],
      ['refuse', 'y'],
    ]);
  });

  it('outside git, tags nothing', () => {
    expect(plan({}, null).steps.every((s) => s.action === 'push' && s.tag === undefined)).toBe(true);
  });

  it('notes a published unsigned chart when signing', () => {
    const p = plan({ 'kosmos-common': { state: 'present', chartDigest: A, signed: false } }, [], true);
    expect(p.steps[0]).toMatchObject({ action: 'skip', note: expect.stringContaining('unsigned') });
    const q = plan({ 'kosmos-common': { state: 'present', chartDigest: A, signed: true } }, [], true);
    expect(q.steps[0]).not.toHaveProperty('note');
  });

  it('uses changesets’ tag form', () => {
    expect(gitTagOf('core-agents', '1.2.3')).toBe('core-agents@1.2.3');
  });
});

describe('chart order', () => {
  const c = (name: string, deps: string[] = []): TreeChart => ({
    name,
    version: '0.1.0',
    dir: `/x/${name}`,
    type: 'application',
    localDependencies: deps.map((d) => ({ name: d, version: '0.1.0', line: 1 })),
  });
  it('puts the library before the charts that vendor it', () => {
    expect(dependencyOrder([c('a', ['lib']), c('b'), c('lib')]).map((x) => x.name)).toEqual(['lib', 'a', 'b']);
  });
  it('names a cycle', () => {
    expect(() => dependencyOrder([c('a', ['b']), c('b', ['a'])])).toThrow('a → b → a');
  });
});
