/**
 * pnpm version-charts on a copy of the repository: changesets' real CLI, the real helm for
 * Chart.lock, then lint's chart-package check on the result.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkChartPackages } from '@kosmos/lint';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { versionCharts } from '../src/index.ts';
import { chartsRepo, repoRoot } from './fixture.ts';

const read = (dir: string, f: string) => readFileSync(join(dir, f), 'utf8');
const chart = (dir: string, c: string) => parse(read(dir, `charts/${c}/Chart.yaml`));

function copyRepo(): string {
  const dir = chartsRepo(['.changeset', 'package.json', 'pnpm-workspace.yaml']);
  // changesets reads the workspace: every package's package.json must be there.
  for (const p of readdirSync(join(repoRoot, 'packages'))) {
    if (!existsSync(join(repoRoot, 'packages', p, 'package.json'))) continue;
    mkdirSync(join(dir, 'packages', p), { recursive: true });
    writeFileSync(join(dir, 'packages', p, 'package.json'), read(repoRoot, `packages/${p}/package.json`));
  }
  // The copy starts with no pending changesets: each test writes the ones it means.
  for (const f of readdirSync(join(dir, '.changeset')))
    if (f.endsWith('.md') && f !== 'README.md') rmSync(join(dir, '.changeset', f));
  return dir;
}

describe('pnpm version-charts', () => {
  it('a library bump propagates to every chart: package.json, Chart.yaml, constraints, Chart.lock, CHANGELOG, Artifact Hub changes', async () => {
    const dir = copyRepo();
    const lib = chart(dir, 'common').version as string;
    writeFileSync(
      join(dir, '.changeset', 'lib.md'),
      '---\n"@kosmos-charts/common": minor\n---\n\nA named template for topology spread constraints.\n',
    );
    writeFileSync(
      join(dir, '.changeset', 'probe.md'),
      '---\n"@kosmos-charts/core-agents": patch\n---\n\nfixed: Probes use the named port.\n',
    );
    const chartYamlBefore = read(dir, 'charts/core-agents/Chart.yaml');
    const r = await versionCharts(dir, () => {}, { lockfile: false });

    const [major, minor] = lib.split('.').map(Number) as [number, number];
    const newLib = `${major}.${minor + 1}.0`;
    expect(chart(dir, 'common').version).toBe(newLib);
    expect(JSON.parse(read(dir, 'charts/common/package.json')).version).toBe(newLib);
    expect(r.charts.map((c) => c.chart).sort()).toEqual(
      ['common', 'core-agents', 'data-tier', 'ingress', 'observability', 'platform', 'rollouts'].map(
        (c) => `charts/${c}`,
      ),
    );
    for (const c of ['core-agents', 'data-tier', 'ingress', 'observability', 'platform', 'rollouts']) {
      const meta = chart(dir, c);
      const pkg = JSON.parse(read(dir, `charts/${c}/package.json`));
      expect(meta.version, c).toBe(pkg.version);
      expect(pkg.dependencies['@kosmos-charts/common']).toBe(`workspace:${newLib}`);
      expect(meta.dependencies.find((d: { name: string }) => d.name === 'kosmos-common').version).toBe(newLib);
      expect(parse(read(dir, `charts/${c}/Chart.lock`)).dependencies[0].version).toBe(newLib);
      expect(read(dir, `charts/${c}/CHANGELOG.md`)).toContain(`## ${pkg.version}`);
    }
    const agents = chart(dir, 'core-agents');
    expect(parse(agents.annotations['artifacthub.io/changes'])).toEqual([
      { kind: 'fixed', description: 'Probes use the named port.' },
      { kind: 'changed', description: `Uses kosmos-common ${newLib}.` },
    ]);
    expect(parse(chart(dir, 'common').annotations['artifacthub.io/changes'])).toEqual([
      { kind: 'added', description: 'A named template for topology spread constraints.' },
    ]);
    expect(read(dir, 'charts/core-agents/CHANGELOG.md')).toContain('fixed: Probes use the named port.');
    // Only the version scalars and the change list moved: comments and the rest byte for byte.
    const strip = (t: string) =>
      t
        .replace(/^version: .*$/m, '')
        .replace(/(- name: kosmos-common\n\s+version:) .*/, '$1')
        .replace(/artifacthub.io\/changes: \|[\s\S]*$/, '');
    expect(strip(read(dir, 'charts/core-agents/Chart.yaml'))).toBe(strip(chartYamlBefore));
    // The changesets were consumed; lint agrees with the result.
    expect(read(dir, '.changeset/config.json')).toBeTruthy();
    expect(() => read(dir, '.changeset/lib.md')).toThrow();
    expect(checkChartPackages(dir)).toEqual([]);

    // Nothing left to apply: a second run changes nothing.
    expect((await versionCharts(dir, () => {}, { lockfile: false })).charts).toEqual([]);
  });

  it('the script: --help lists exit codes; without changesets it says so', async () => {
    const dir = copyRepo();
    const run = (args: string[]) =>
      new Promise<{ code: number; out: string }>((resolve) =>
        execFile('pnpm', ['--silent', 'version-charts', ...args], { cwd: repoRoot }, (err, stdout, stderr) =>
          resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, out: stdout + stderr }),
        ),
      );
    const help = await run(['--help']);
    expect(help.out).toContain('Exit codes:');
    const none = await run(['--root', dir]);
    expect([none.code, none.out]).toEqual([0, expect.stringContaining('nothing to version')]);
  });
});
