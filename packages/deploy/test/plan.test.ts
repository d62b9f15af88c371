import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Environment, loadEnvironment, type Release } from '@kosmos/environment';
import { UserError } from '@kosmos/errors';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { DeployError } from '../src/errors.ts';
import { formatPlan } from '../src/format.ts';
import { isLoopbackRegistry, parseDuration, planDeploy } from '../src/plan.ts';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const chartVersion = (chart: string): string =>
  String(parse(readFileSync(join(repo, 'charts', chart, 'Chart.yaml'), 'utf8')).version);
const pinOf = (env: string, release: string): string =>
  String(loadEnvironment(repo, env).releases.find((r) => r.name === release)?.version);
const names = (p: ReturnType<typeof planDeploy>) => p.waves.map((w) => w.map((r) => r.name));

const rel = (name: string, needs: string[] = [], o: Partial<Release> = {}): Release => ({
  name,
  namespace: `ns-${name}`,
  chart: { kind: 'repo', name, dir: `/repo/charts/${name}` },
  version: '1.0.0',
  values: [`/repo/environments/e/values/${name}.yaml`],
  needs,
  at: { file: 'environment.yaml', line: 1, col: 1 },
  ...o,
});
const envOf = (releases: Release[]): Environment => ({
  name: 'e',
  file: '/repo/environments/e/environment.yaml',
  dir: '/repo/environments/e',
  kubernetesVersion: 'v1.36.3',
  cluster: { local: false, context: 'e' },
  registry: { local: false, url: 'oci://registry.example/charts' },
  gates: { approval: false, sourceHealthy: false, noDrift: false },
  releases,
});
const treeVersion = () => '0.3.0';

describe('planDeploy on the real environments', () => {
  it('dev: waves of needs, every chart from the tree at its Chart.yaml version', () => {
    const p = planDeploy(loadEnvironment(repo, 'dev'), { registry: 'oci://127.0.0.1:5000/charts' });
    expect(names(p)).toEqual([
      ['platform'],
      ['data-tier', 'observability'],
      ['core-agents'],
      ['rollouts'],
      ['ingress'],
    ]);
    const platform = p.waves[0]?.[0];
    expect(platform?.chart).toEqual({
      kind: 'tree',
      dir: join(repo, 'charts/platform'),
      version: chartVersion('platform'),
    });
    expect(platform?.args).toEqual([
      'upgrade',
      '--install',
      'platform',
      join(repo, 'charts/platform'),
      '--namespace',
      'kube-system',
      '--values',
      join(repo, 'environments/dev/values/platform.yaml'),
      '--server-side=true',
      '--wait=watcher',
      '--rollback-on-failure',
      '--timeout',
      '5m',
    ]);
    expect(p.skipped).toEqual([]);
    expect(p.required).toEqual([]);
  });

  it('staging: pinned charts from the registry at the pin, upstream charts from their repository', () => {
    const p = planDeploy(loadEnvironment(repo, 'staging'), {
      registry: 'oci://ghcr.io/kosmos-platform/charts',
      timeout: '90s',
    });
    expect(names(p)).toEqual([
      ['platform'],
      ['prometheus-operator-crds', 'argo-rollouts', 'traefik', 'data-tier'],
      ['prometheus-operator', 'core-agents'],
      ['observability', 'rollouts'],
      ['ingress'],
    ]);
    const byName = new Map(p.waves.flat().map((r) => [r.name, r]));
    expect(byName.get('core-agents')?.args).toEqual([
      'upgrade',
      '--install',
      'core-agents',
      'oci://ghcr.io/kosmos-platform/charts/core-agents',
      '--version',
      pinOf('staging', 'core-agents'),
      '--namespace',
      'kosmos-core',
      '--values',
      join(repo, 'environments/staging/values/core-agents.yaml'),
      '--server-side=true',
      '--wait=watcher',
      '--rollback-on-failure',
      '--timeout',
      '90s',
    ]);
    expect(byName.get('traefik')?.args.slice(0, 8)).toEqual([
      'upgrade',
      '--install',
      'traefik',
      'traefik',
      '--version',
      '37.0.0',
      '--repo',
      'https://traefik.github.io/charts',
    ]);
    expect(p.timeoutMs).toBe(90_000);
  });

  it('staging with skipUpstream names what it leaves out and still orders the rest', () => {
    const p = planDeploy(loadEnvironment(repo, 'staging'), { registry: 'oci://r/charts', skipUpstream: true });
    expect(p.skipped.map((s) => s.name)).toEqual([
      'prometheus-operator-crds',
      'prometheus-operator',
      'argo-rollouts',
      'traefik',
    ]);
    expect(p.skipped[3]?.reason).toBe(
      'upstream chart traefik 37.0.0 from https://traefik.github.io/charts left out (--skip-upstream)',
    );
    expect(names(p)).toEqual([
      ['platform'],
      ['data-tier', 'observability'],
      ['core-agents'],
      ['rollouts'],
      ['ingress'],
    ]);
    expect(p.required).toEqual([]);
  });

  it('a pinned chart without a registry is an error naming the release', () => {
    const env = envOf([rel('a')]);
    env.registry = { local: true };
    expect(() => planDeploy(env, {})).toThrow(
      'e/a: no registry to pull a 1.0.0 from (the local registry is not running: `pnpm run up`)',
    );
  });
});

describe('planDeploy selection', () => {
  const env = envOf([rel('base'), rel('db', ['base']), rel('app', ['base', 'db']), rel('web', ['app']), rel('other')]);

  it('all releases by default, in waves', () => {
    expect(names(planDeploy(env, { registry: 'oci://r/c' }))).toEqual([['base', 'other'], ['db'], ['app'], ['web']]);
  });

  it('--release deploys only the named ones and requires their needs live, at the pin', () => {
    const p = planDeploy(env, { registry: 'oci://r/c', releases: ['app', 'web'] });
    expect(names(p)).toEqual([['app'], ['web']]);
    expect(p.waves[1]?.[0]?.needs).toEqual(['app']);
    expect(p.required).toEqual([
      { name: 'base', namespace: 'ns-base', version: '1.0.0', neededBy: ['app'] },
      { name: 'db', namespace: 'ns-db', version: '1.0.0', neededBy: ['app'] },
    ]);
  });

  it('--with-needs pulls in everything the named releases need, transitively', () => {
    const p = planDeploy(env, { registry: 'oci://r/c', releases: ['web'], withNeeds: true });
    expect(names(p)).toEqual([['base'], ['db'], ['app'], ['web']]);
    expect(p.required).toEqual([]);
  });

  it('a required need pinned to tree is required at the tree version', () => {
    const e = envOf([rel('base', [], { version: 'tree' }), rel('app', ['base'])]);
    expect(planDeploy(e, { registry: 'oci://r/c', releases: ['app'], treeVersion }).required).toEqual([
      { name: 'base', namespace: 'ns-base', version: '0.3.0', neededBy: ['app'] },
    ]);
  });

  it('an unknown release or a bad timeout is a usage error (exit 2)', () => {
    const bad = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return [(e as DeployError).message, (e as DeployError).exitCode];
      }
      return undefined;
    };
    expect(bad(() => planDeploy(env, { releases: ['nope'] }))).toEqual([
      '--release nope: no such release in e (releases: base, db, app, web, other)',
      2,
    ]);
    expect(bad(() => planDeploy(env, { registry: 'oci://r/c', timeout: '5' }))).toEqual([
      '--timeout: expected a duration such as 5m, 90s or 1m30s, got "5"',
      2,
    ]);
  });
});

describe('chart sources', () => {
  it('a loopback registry is pulled over plain HTTP, any other over HTTPS', () => {
    const env = envOf([rel('a')]);
    const local = planDeploy(env, { registry: 'oci://127.0.0.1:41234/charts/' }).waves[0]?.[0];
    expect(local?.chart).toEqual({
      kind: 'registry',
      ref: 'oci://127.0.0.1:41234/charts/a',
      version: '1.0.0',
      plainHttp: true,
    });
    expect(local?.args.at(-1)).toBe('--plain-http');
    const remote = planDeploy(env, { registry: 'oci://ghcr.io/x/charts' }).waves[0]?.[0];
    expect(remote?.args).not.toContain('--plain-http');
  });

  it('loopback hosts', () => {
    expect(['oci://127.0.0.1:5000/c', 'oci://localhost:5000/c', 'oci://[::1]:5000/c'].map(isLoopbackRegistry)).toEqual([
      true,
      true,
      true,
    ]);
    expect(
      ['oci://ghcr.io/c', 'oci://127.0.0.1.example.com/c', 'oci://10.0.0.1:5000/c'].map(isLoopbackRegistry),
    ).toEqual([false, false, false]);
  });

  it('values files in the environment order', () => {
    const env = envOf([rel('a', [], { values: ['/v/1.yaml', '/v/2.yaml'] })]);
    const a = planDeploy(env, { registry: 'oci://r/c' }).waves[0]?.[0];
    expect(a?.args.filter((_, i, all) => all[i - 1] === '--values')).toEqual(['/v/1.yaml', '/v/2.yaml']);
  });
});

describe('parseDuration', () => {
  it('reads helm durations', () => {
    expect(['5m', '90s', '1m30s', '1h', '500ms', '2.5m'].map(parseDuration)).toEqual([
      300_000, 90_000, 90_000, 3_600_000, 500, 150_000,
    ]);
    expect(['', '5', 'm', '0s', '5 m', '-1s'].map(parseDuration)).toEqual([
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
    ]);
  });
});

describe('formatPlan', () => {
  it('names the cluster and registry and shows each helm command', () => {
    const env = envOf([rel('a'), rel('b', ['a'])]);
    const p = planDeploy(env, { registry: 'oci://r/c', releases: ['b'] });
    expect(
      formatPlan(p, {
        targets: { env: 'e', registry: 'oci://r/c', cluster: { kubeconfig: '/k', context: 'e' }, local: false },
        kube: { kubeconfig: '/k', context: 'e' },
        clusterLabel: 'context "e" (kubeconfig /k)',
      }),
    ).toBe(
      [
        'deploy e',
        '  cluster:  context "e" (kubeconfig /k)',
        '  registry: oci://r/c',
        '  timeout:  5m per release',
        '  requires a 1.0.0 already deployed (needed by b; checked when deploying)',
        'wave 1/1:',
        '  b',
        '    helm upgrade --install b oci://r/c/b --version 1.0.0 --namespace ns-b --values /repo/environments/e/values/b.yaml --server-side=true --wait=watcher --rollback-on-failure --timeout 5m',
        '',
      ].join('\n'),
    );
  });
});

it('DeployError is a UserError: one line for people, exit 1 unless said', () => {
  const e = new DeployError('x');
  expect([e instanceof UserError, e.exitCode, e.name]).toEqual([true, 1, 'DeployError']);
  expect(new DeployError('y', 2).exitCode).toBe(2);
});

describe('planDeploy of an environment handed to Argo CD', () => {
  it('is refused, saying what hands it over instead (exit 2)', () => {
    const env = {
      ...envOf([rel('a')]),
      argocd: {
        namespace: 'argocd',
        project: 'default',
        controlPlane: { local: true as const },
        prune: true,
        selfHeal: true,
      },
    };
    expect(() => planDeploy(env)).toThrow(/^e is handed to Argo CD .* `pnpm render --env e --for argocd`/);
    try {
      planDeploy(env);
    } catch (e) {
      expect((e as { exitCode: number }).exitCode).toBe(2);
    }
  });
});
