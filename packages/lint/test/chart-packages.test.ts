import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkChartPackages } from '../src/index.ts';

async function tree(o: { libChart?: string; appChart?: string; appPkg?: object; libPkg?: object }): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'kosmos-chartpkg-'));
  await mkdir(join(root, 'charts', 'common'), { recursive: true });
  await mkdir(join(root, 'charts', 'app'), { recursive: true });
  await writeFile(
    join(root, 'charts', 'common', 'Chart.yaml'),
    o.libChart ?? 'apiVersion: v2\nname: kosmos-common\ntype: library\nversion: 0.2.0\n',
  );
  await writeFile(
    join(root, 'charts', 'common', 'package.json'),
    JSON.stringify(o.libPkg ?? { name: '@kosmos-charts/common', version: '0.2.0', private: true }, null, 2),
  );
  await writeFile(
    join(root, 'charts', 'app', 'Chart.yaml'),
    o.appChart ??
      [
        'apiVersion: v2',
        'name: app',
        '# the version changesets bumps',
        'version: 1.0.0',
        'dependencies:',
        '  - name: kosmos-common',
        '    version: 0.2.0',
        '    repository: file://../common',
        '',
      ].join('\n'),
  );
  await writeFile(
    join(root, 'charts', 'app', 'package.json'),
    JSON.stringify(
      o.appPkg ?? {
        name: '@kosmos-charts/app',
        version: '1.0.0',
        private: true,
        dependencies: { '@kosmos-charts/common': 'workspace:0.2.0' },
      },
      null,
      2,
    ),
  );
  return root;
}

describe('lint: package.json and Chart.yaml agree', () => {
  it('is quiet when they agree', async () => {
    expect(checkChartPackages(await tree({}))).toEqual([]);
  });

  it('names Chart.yaml and the line of its version when the versions differ', async () => {
    const root = await tree({
      appPkg: {
        name: '@kosmos-charts/app',
        version: '1.0.1',
        dependencies: { '@kosmos-charts/common': 'workspace:0.2.0' },
      },
    });
    expect(checkChartPackages(root)).toEqual([
      {
        ruleId: 'chart-package',
        severity: 'error',
        file: 'charts/app/Chart.yaml',
        line: 4,
        message: expect.stringContaining('version 1.0.0 differs from charts/app/package.json version 1.0.1'),
      },
    ]);
  });

  it('names a dependency constraint that lags the library, and a package.json that does not declare it', async () => {
    const root = await tree({
      libChart: 'apiVersion: v2\nname: kosmos-common\ntype: library\nversion: 0.3.0\n',
      libPkg: { name: '@kosmos-charts/common', version: '0.3.0' },
      appPkg: { name: '@kosmos-charts/app', version: '1.0.0' },
    });
    const f = checkChartPackages(root);
    expect(f.map((x) => [x.file, x.line, x.message])).toEqual([
      [
        'charts/app/Chart.yaml',
        7,
        expect.stringContaining('kosmos-common version 0.2.0 differs from charts/common/Chart.yaml version 0.3.0'),
      ],
      ['charts/app/package.json', 2, expect.stringContaining('expected "@kosmos-charts/common": "workspace:0.3.0"')],
    ]);
  });

  it('names a workspace range that is not the library’s version', async () => {
    const root = await tree({
      appPkg: {
        name: '@kosmos-charts/app',
        version: '1.0.0',
        dependencies: { '@kosmos-charts/common': 'workspace:*' },
      },
    });
    expect(checkChartPackages(root).map((x) => x.message)).toEqual([
      expect.stringContaining('"@kosmos-charts/common" is "workspace:*", expected "workspace:0.2.0"'),
    ]);
  });

  it('the repository’s own charts agree', () => {
    expect(checkChartPackages(join(import.meta.dirname, '../../..'))).toEqual([]);
  });
});
