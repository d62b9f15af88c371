import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadEnvironment } from '@kosmos/environment';
import { describe, expect, it } from 'vitest';
import { lintEnvironments } from '../src/index.ts';

describe('a release that does not render', () => {
  it('is one helm-template finding at its release, and the other releases are still checked', async () => {
    const root = await mkdtemp(join(tmpdir(), 'kosmos-lint-broken-'));
    for (const [chart, body] of [
      ['good', 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: good\ndata:\n  k: v\n'],
      ['bad', '{{ fail "the bad chart refuses to render" }}\n'],
    ] as const) {
      await mkdir(join(root, 'charts', chart, 'templates'), { recursive: true });
      await writeFile(join(root, 'charts', chart, 'Chart.yaml'), `apiVersion: v2\nname: ${chart}\nversion: 0.1.0\n`);
      await writeFile(join(root, 'charts', chart, 'templates', 'x.yaml'), body);
    }
    await mkdir(join(root, 'environments', 'dev'), { recursive: true });
    await writeFile(
      join(root, 'environments', 'dev', 'environment.yaml'),
      'name: dev\nkubernetesVersion: 1.36.3\ncluster: { local: true }\nregistry: local\nreleases:\n' +
        '  - { name: good, namespace: ns, chart: good, version: tree }\n' +
        '  - { name: bad, namespace: ns, chart: bad, version: tree }\n',
    );
    const env = loadEnvironment(root, 'dev');
    const report = await lintEnvironments(root, [env], { skipHelmLint: true });
    const failures = report.findings.filter((f) => f.ruleId === 'helm-template');
    expect(failures).toEqual([
      expect.objectContaining({
        severity: 'error',
        release: 'bad',
        file: 'environments/dev/environment.yaml',
        line: 7,
        message: expect.stringMatching(/the bad chart refuses to render/),
      }),
    ]);
    expect(report.objects).toBe(1);
  });
});
