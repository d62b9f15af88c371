import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { loadEnvironment } from '@kosmos/environment';
import { afterAll, describe, expect, it } from 'vitest';
import { explainRelease } from '../src/index.ts';

// A git repository holding a copy of this one's charts and environments, with the release tag
// `pnpm release` makes (`core-agents@<version>`), then a chart change in the tree after it.
const repo = resolve(import.meta.dirname, '../../..');
const root = mkdtempSync(join(tmpdir(), 'kosmos-explain-git-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const git = (...args: string[]) =>
  execFileSync('git', ['-c', 'user.name=Explain Test', '-c', 'user.email=explain@example.invalid', ...args], {
    cwd: root,
    encoding: 'utf8',
  });

describe('explain where the pin is not the tree', () => {
  cpSync(join(repo, 'charts'), join(root, 'charts'), { recursive: true });
  cpSync(join(repo, 'environments'), join(root, 'environments'), { recursive: true });
  git('init', '-q');
  git('add', '-A');
  git('commit', '-qm', 'charts as released');
  const chartYaml = join(root, 'charts/core-agents/Chart.yaml');
  const released = /^version: (.*)$/m.exec(readFileSync(chartYaml, 'utf8'))?.[1] as string;
  git('tag', '-a', `core-agents@${released}`, '-m', `core-agents@${released}`);
  // The tree moves on: a new version whose default differs.
  writeFileSync(chartYaml, readFileSync(chartYaml, 'utf8').replace(/^version: .*$/m, 'version: 99.0.0'));
  const values = join(root, 'charts/core-agents/values.yaml');
  writeFileSync(values, readFileSync(values, 'utf8').replace('  replicaCount: 2', '  replicaCount: 7'));
  git('commit', '-qam', 'core-agents 99.0.0: two replicas become seven');

  it("reads the chart's defaults at the release tag of the pinned version, not the tree's", () => {
    const e = explainRelease(root, loadEnvironment(root, 'production'), 'core-agents', 'agentDefaults.replicaCount');
    expect(e.chart.version).toBe(released);
    expect(e.files[0]).toEqual({ file: `charts/core-agents/values.yaml@core-agents@${released}`, kind: 'chart' });
    expect(e.values[0]?.layers[0]?.value).toBe(2);
  });

  it('--blame names the commit that wrote each line, the chart line at the tag', () => {
    const e = explainRelease(root, loadEnvironment(root, 'dev'), 'core-agents', 'agentDefaults.replicaCount', {
      blame: true,
    });
    // dev follows the tree: the chart line is the new commit's, dev's own line the first one's.
    expect(e.values[0]?.layers.map((s) => s.commit?.summary)).toEqual([
      'core-agents 99.0.0: two replicas become seven',
      'charts as released',
    ]);
    const prod = explainRelease(
      root,
      loadEnvironment(root, 'production'),
      'core-agents',
      'agentDefaults.replicaCount',
      {
        blame: true,
      },
    );
    expect(prod.values[0]?.layers[0]?.commit?.summary).toBe('charts as released');
  });

  it('no tag for the pinned version: says so, and layers the environment files alone', () => {
    git('tag', '-d', `core-agents@${released}`);
    const e = explainRelease(root, loadEnvironment(root, 'production'), 'core-agents', 'agentDefaults.replicaCount');
    expect(e.notes[0]).toMatch(
      new RegExp(
        `production pins core-agents ${released.replaceAll('.', '\\.')}, the tree holds 99\\.0\\.0, and no git tag`,
      ),
    );
    expect(e.values[0]?.layers.map((s) => s.file)).toEqual(['environments/production/values/core-agents.yaml']);
  });
});
