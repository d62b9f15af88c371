import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { type Environment, loadEnvironment } from '@kosmos/environment';
import { describe, expect, it } from 'vitest';
import { explainRelease, type ReleaseExplanation } from '../src/index.ts';

// The repository's own charts and environments, read as they are.
const root = resolve(import.meta.dirname, '../../..');
const LAUNCH = join(root, 'scripts/launch.mjs');
const lineOf = (file: string, text: string): number =>
  readFileSync(join(root, file), 'utf8')
    .split('\n')
    .findIndex((l) => l.includes(text)) + 1;

describe('explain on the real repository files', () => {
  const CHART = 'charts/core-agents/values.yaml';
  const STAGING = 'environments/staging/values/core-agents.yaml';
  const PROD = 'environments/production/values/core-agents.yaml';

  it('a key set in three layers: all three with file:line, and the winner', () => {
    // Each environment gives a release one values file; production's core-agents layered over
    // staging's (as `-f staging -f production` would) makes the chart default a third layer.
    const prod = loadEnvironment(root, 'production');
    const env: Environment = {
      ...prod,
      releases: prod.releases.map((r) =>
        r.name === 'core-agents' ? { ...r, values: [join(root, STAGING), ...r.values] } : r,
      ),
    };
    const e = explainRelease(root, env, 'core-agents', 'agentDefaults.replicaCount');
    expect(e.files.map((f) => f.file)).toEqual([CHART, STAGING, PROD]);
    const v = e.values[0];
    expect(e.values).toHaveLength(1);
    expect(v?.layers.map((s) => `${s.file}:${s.line} ${String(s.value)}`)).toEqual([
      `${CHART}:${lineOf(CHART, '  replicaCount: 2')} 2`,
      `${STAGING}:${lineOf(STAGING, '  replicaCount: 1')} 1`,
      `${PROD}:${lineOf(PROD, '  replicaCount: 3')} 3`,
    ]);
    expect(v?.winner?.file).toBe(PROD);
    expect(v?.final).toEqual({ set: true, value: 3 });
  });

  it('pnpm explain names the layers and the winner, the pin written by promotion, and --json carries the same', () => {
    const text = spawnSync(
      process.execPath,
      [LAUNCH, 'explain', '--env', 'production', '--release', 'core-agents', 'agents.zeus-orchestrator.image.tag'],
      { encoding: 'utf8', cwd: root },
    );
    expect(text.status, text.stderr).toBe(0);
    expect(text.stdout).toContain('chart core-agents');
    expect(text.stdout).toMatch(
      /pinned at environments\/production\/environment\.yaml:\d+:\d+, written by pnpm promote\)/,
    );
    expect(text.stdout).toMatch(
      new RegExp(`${PROD}:\\d+:\\d+\\s+\\S+ \\(written by pnpm promote\\)  <- wins`.replaceAll('/', '\\/')),
    );
    const json = spawnSync(
      process.execPath,
      [
        LAUNCH,
        'explain',
        '--env',
        'production',
        '--release',
        'core-agents',
        'agents.zeus-orchestrator.image.tag',
        '--json',
      ],
      { encoding: 'utf8', cwd: root },
    );
    expect(json.status, json.stderr).toBe(0);
    const e = JSON.parse(json.stdout) as ReleaseExplanation;
    expect(e.values[0]?.winner).toMatchObject({ file: PROD, promoted: true });
  });

  it('all values of an upstream release: the environment layer only, and says why', () => {
    const e = explainRelease(root, loadEnvironment(root, 'staging'), 'traefik');
    expect(e.notes[0]).toMatch(/upstream chart traefik .* kept nowhere in this repository/);
    expect(e.files).toEqual([{ file: 'environments/staging/values/traefik.yaml', kind: 'environment' }]);
    expect(e.values.length).toBeGreaterThan(5);
  });

  it.each([
    [['--env', 'qa', '--release', 'core-agents'], /unknown environment "qa"/],
    [['--env', 'dev', '--release', 'core-agent'], /unknown release "core-agent" in dev/],
    [
      ['--env', 'dev', '--release', 'core-agents', 'agents.zeus.replicaCount'],
      /unknown key "agents\.zeus\.replicaCount" in dev\/core-agents: .*agents has: athena, chronos, hermes, zeus-orchestrator/,
    ],
    [['--env', 'dev', '--release', 'core-agents', 'a..b'], /key "a\.\.b": empty segment/],
    [
      ['--env', 'dev', '--release', 'core-agents', 'agentDefaults.extraEnv[0].name'],
      /unknown key "agentDefaults\.extraEnv\[0\]\.name" .*agentDefaults\.extraEnv has: a list of 0 items/,
    ],
    [
      ['--env', 'dev', '--release', 'core-agents', 'environment.name'],
      /unknown key "environment\.name" .*environment has: no keys, it is the value "dev"/,
    ],
    [['--env', 'dev'], /--release is required/],
  ])('%j: exit 2, one line', (args, says) => {
    const r = spawnSync(process.execPath, [LAUNCH, 'explain', ...args], { encoding: 'utf8', cwd: root });
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(says);
  });
});
