import { describe, expect, it } from 'vitest';
import { changeOf, chartUpdates, updateChartYaml } from '../src/index.ts';

describe('Artifact Hub changes from changesets', () => {
  it('takes the kind from a prefix, else from the bump', () => {
    expect(changeOf('fixed: Probes use the named port.', 'minor')).toEqual({
      kind: 'fixed',
      description: 'Probes use the named port.',
    });
    expect(changeOf('Security:  a CVE', 'patch')).toEqual({ kind: 'security', description: 'a CVE' });
    expect(changeOf('New template', 'minor').kind).toBe('added');
    expect(changeOf('Renamed a value', 'major').kind).toBe('changed');
    expect(changeOf('Tweak', 'patch').kind).toBe('fixed');
  });
  it('keeps the first paragraph, on one line', () => {
    expect(changeOf('First line\ncontinues.\n\nDetails for the CHANGELOG only.', 'patch').description).toBe(
      'First line continues.',
    );
  });
});

const plan = {
  changesets: [
    { id: 'lib', summary: 'Add a template.' },
    { id: 'fix', summary: 'fixed: A probe.' },
  ],
  releases: [
    { name: '@c/common', type: 'minor' as const, oldVersion: '0.1.0', newVersion: '0.2.0', changesets: ['lib'] },
    { name: '@c/app', type: 'patch' as const, oldVersion: '1.0.0', newVersion: '1.0.1', changesets: ['fix'] },
    { name: '@c/other', type: 'patch' as const, oldVersion: '2.0.0', newVersion: '2.0.1', changesets: [] },
    { name: '@kosmos/tooling', type: 'patch' as const, oldVersion: '0.1.0', newVersion: '0.1.1', changesets: [] },
  ],
};
const pkgs = new Map([
  [
    '@c/common',
    { packageName: '@c/common', dir: '/r/charts/common', chartName: 'kosmos-common', localDependencies: [] },
  ],
  ['@c/app', { packageName: '@c/app', dir: '/r/charts/app', chartName: 'app', localDependencies: ['kosmos-common'] }],
  [
    '@c/other',
    { packageName: '@c/other', dir: '/r/charts/other', chartName: 'other', localDependencies: ['kosmos-common'] },
  ],
]);

describe('chart updates from changesets’ plan', () => {
  it('moves versions, dependency constraints and change lists; skips packages that are not charts', () => {
    const u = chartUpdates(plan, pkgs);
    expect(u).toEqual([
      {
        dir: '/r/charts/common',
        version: '0.2.0',
        dependencies: new Map(),
        changes: [{ kind: 'added', description: 'Add a template.' }],
      },
      {
        dir: '/r/charts/app',
        version: '1.0.1',
        dependencies: new Map([['kosmos-common', '0.2.0']]),
        changes: [
          { kind: 'fixed', description: 'A probe.' },
          { kind: 'changed', description: 'Uses kosmos-common 0.2.0.' },
        ],
      },
      {
        dir: '/r/charts/other',
        version: '2.0.1',
        dependencies: new Map([['kosmos-common', '0.2.0']]),
        changes: [{ kind: 'changed', description: 'Uses kosmos-common 0.2.0.' }],
      },
    ]);
  });
});

describe('Chart.yaml rewrite', () => {
  const before = `apiVersion: v2
name: app # the chart
# bumped by pnpm version-charts
version: 1.0.0
appVersion: "v2.0.0"
dependencies:
  - name: kosmos-common
    version: 0.1.0
    repository: file://../common
  - name: other
    version: "~3.1.0"
    repository: https://example.com/charts
annotations:
  artifacthub.io/license: Apache-2.0
  artifacthub.io/changes: |
    - kind: added
      description: First release.
`;
  it('changes only the version scalars and the change list; comments and quoting stay', () => {
    const after = updateChartYaml(
      before,
      {
        version: '1.0.1',
        dependencies: new Map([['kosmos-common', '0.2.0']]),
        changes: [
          { kind: 'fixed', description: 'A probe: now "named".' },
          { kind: 'changed', description: 'Uses kosmos-common 0.2.0.' },
        ],
      },
      'Chart.yaml',
    );
    expect(after).toBe(`apiVersion: v2
name: app # the chart
# bumped by pnpm version-charts
version: 1.0.1
appVersion: "v2.0.0"
dependencies:
  - name: kosmos-common
    version: 0.2.0
    repository: file://../common
  - name: other
    version: "~3.1.0"
    repository: https://example.com/charts
annotations:
  artifacthub.io/license: Apache-2.0
  artifacthub.io/changes: |
    - kind: fixed
      description: "A probe: now \\"named\\"."
    - kind: changed
      description: "Uses kosmos-common 0.2.0."
`);
  });
  it('a broken Chart.yaml is named, exit 2', () => {
    try {
      updateChartYaml('a: [', { version: '1.0.0', dependencies: new Map(), changes: [] }, 'charts/x/Chart.yaml');
      expect.unreachable();
    } catch (e) {
      expect((e as Error).message).toMatch(/^charts\/x\/Chart.yaml: /);
      expect((e as { exitCode: number }).exitCode).toBe(2);
    }
  });
});
