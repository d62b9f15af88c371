/**
 * `pnpm run deploy` against the local cluster, from the local registry: dev's releases (pinned
 * to the tree's chart versions, which this test pushes with plain `helm package` / `helm push`)
 * deployed in their needs waves, a no-op redeploy, and a release that can never become Ready.
 * The platform's namespaces are shared with test/charts/install.cluster.test.ts: the platform
 * lock keeps the two files apart.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { type DeployEvent, type DeployResult, deployEnvironment } from '@kosmos/deploy';
import { diffEnvironment, formatText } from '@kosmos/diff';
import { type Environment, loadEnvironment, readState } from '@kosmos/environment';
import { history, prepareChart, runHelm } from '@kosmos/helm';
import { Cluster } from '@kosmos/kube';
import { treeVersion } from '@kosmos/render';
import { environmentStatus } from '@kosmos/status';
import { platformLock } from '@kosmos/testkit';
import { localCluster } from '@kosmos/testkit/vitest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import { cleanPlatform, kube } from '../charts/install-helpers.ts';

const repo = resolve(import.meta.dirname, '../..');
const cluster = localCluster();
const kc = kube(cluster);
const lock = platformLock(cluster.kubeconfig);
const TIMEOUT = 900_000;
const CHARTS = ['platform', 'data-tier', 'observability', 'core-agents', 'rollouts', 'ingress'];
const registry = `oci://${cluster.registry}/deploy-${randomBytes(4).toString('hex')}/charts`;
const kubeTarget = { kubeconfig: cluster.kubeconfig };
/** The test run's state folder (`<stateDir>/cluster/kubeconfig`), checked in beforeAll. */
const stateDir = resolve(dirname(cluster.kubeconfig), '..');

let root: string;
let api: Cluster;
const env = () => loadEnvironment(root, 'dev');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}
/** The command as a user runs it. */
function cli(args: string[]): Promise<Run> {
  return new Promise((done) => {
    execFile(
      'pnpm',
      ['--silent', 'run', 'deploy', ...args],
      // The test run's cluster, never a developer's `pnpm run up` one.
      { cwd: repo, maxBuffer: 64 << 20, env: { ...process.env, KOSMOS_STATE_DIR: stateDir } },
      (err, stdout, stderr) => done({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

/**
 * dev as a copy whose pins are the tree's chart versions (so charts come from the registry) and
 * whose registry is this test's own repository in the test registry. Its cluster stays `local`:
 * the test run's cluster, found through its state folder (`stateDir`, KOSMOS_STATE_DIR for the CLI).
 */
function writeEnvironment(extraValues: Record<string, string> = {}) {
  const file = join(root, 'environments/dev/environment.yaml');
  const doc = parseDocument(readFileSync(join(repo, 'environments/dev/environment.yaml'), 'utf8'));
  doc.set('registry', registry);
  const releases = doc.get('releases') as { items: { get(k: string): unknown; set(k: string, v: unknown): void }[] };
  for (const r of releases.items) {
    const name = String(r.get('chart'));
    r.set('version', treeVersion(join(root, 'charts', name)));
    const extra = extraValues[String(r.get('name'))];
    if (extra) r.set('values', [`values/${name}.yaml`, extra]);
  }
  writeFileSync(file, doc.toString());
}

/** Every chart dev uses, packaged and pushed as a release would. */
async function pushCharts() {
  const out = mkdtempSync(join(tmpdir(), 'kosmos-deploy-pkg-'));
  try {
    for (const c of CHARTS) {
      const dir = join(root, 'charts', c);
      await prepareChart(dir);
      const packaged = (await runHelm(['package', dir, '--destination', out])).stdout;
      const tgz = /saved it to: (\S+)/.exec(packaged)?.[1] ?? join(out, `${c}-${treeVersion(dir)}.tgz`);
      await runHelm(['push', tgz, registry, '--plain-http']);
    }
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

const outcomes = (r: DeployResult) => Object.fromEntries(r.releases.map((x) => [x.name, x.outcome]));
const revisions = async () =>
  Object.fromEntries(
    await Promise.all(
      env().releases.map(async (r) => [r.name, await history(r.name, r.namespace, kubeTarget)] as const),
    ),
  );

async function generations(e: Environment): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const r of e.releases) {
    for (const kind of ['Deployment', 'StatefulSet'] as const) {
      for (const o of await api.list('apps/v1', kind, {
        namespace: r.namespace,
        labelSelector: `app.kubernetes.io/instance=${r.name}`,
      }))
        out[`${kind}/${o.metadata.namespace}/${o.metadata.name}`] = Number(o.metadata.generation);
    }
  }
  return out;
}

beforeAll(async () => {
  expect((await readState(stateDir))?.kubeconfig, `state of the test cluster in ${stateDir}`).toBe(cluster.kubeconfig);
  await lock.acquire();
  await cleanPlatform(kc);
  root = mkdtempSync(join(tmpdir(), 'kosmos-deploy-'));
  cpSync(join(repo, 'charts'), join(root, 'charts'), {
    recursive: true,
    filter: (src) => !['node_modules', 'charts'].includes(basename(src)) || src === join(repo, 'charts'),
  });
  cpSync(join(repo, 'environments/dev'), join(root, 'environments/dev'), { recursive: true });
  writeEnvironment();
  await pushCharts();
  api = await Cluster.fromKubeconfig(cluster.kubeconfig);
}, 2 * TIMEOUT);

afterAll(async () => {
  try {
    api?.close();
    await cleanPlatform(kc);
    if (root) rmSync(root, { recursive: true, force: true });
  } finally {
    await lock.release();
  }
}, TIMEOUT);

describe.sequential('deploy dev to the local cluster from the local registry', () => {
  let first: DeployResult;

  it(
    'deploys every release in its needs wave, each Ready, as status sees it',
    async () => {
      const events: DeployEvent[] = [];
      first = await deployEnvironment(env(), { stateDir, timeout: '4m', onProgress: (e) => events.push(e) });
      expect(first.failed).toBeUndefined();
      expect(first.ok).toBe(true);
      expect(first.waves).toEqual([
        ['platform'],
        ['data-tier', 'observability'],
        ['core-agents'],
        ['rollouts'],
        ['ingress'],
      ]);
      expect(outcomes(first)).toEqual(Object.fromEntries(CHARTS.map((c) => [c, 'deployed'])));
      for (const r of first.releases) {
        expect(r.chart, `${r.name} comes from the registry`).toBe(`${registry}/${r.name}`);
        expect([r.version, r.revision]).toEqual([treeVersion(join(repo, 'charts', r.name)), 1]);
      }
      expect(first.registry).toBe(registry);
      expect(events[0]).toMatchObject({ type: 'start', cluster: expect.stringContaining(cluster.kubeconfig) });

      // A wave starts only when the one before it is done.
      const order = events.flatMap((e) =>
        e.type === 'release-start'
          ? [`start ${e.release}`]
          : e.type === 'release-done'
            ? [`done ${e.result.name}`]
            : [],
      );
      const at = (s: string) => order.indexOf(s);
      expect(at('done platform')).toBeLessThan(at('start data-tier'));
      expect(at('done data-tier')).toBeLessThan(at('start core-agents'));
      expect(at('done observability')).toBeLessThan(at('start core-agents'));
      expect(at('done core-agents')).toBeLessThan(at('start rollouts'));
      expect(at('done rollouts')).toBeLessThan(at('start ingress'));

      // What `pnpm status` says: every release at its pin, no drift, workloads Ready. The only
      // exception allowed is a Rollout that no controller reports on, and deploy must have said so.
      const unchecked = new Set(first.releases.flatMap((r) => r.unchecked.map((u) => `Rollout/${u.name} Unknown`)));
      const status = await environmentStatus(env(), api, { upstream: 'skip', registryUrl: registry });
      for (const s of status.releases) {
        expect([s.release, s.deployed, s.helmStatus, s.upToDate]).toEqual([
          s.release,
          treeVersion(join(repo, 'charts', s.release)),
          'deployed',
          true,
        ]);
        if (s.drift !== false) {
          const d = await diffEnvironment(env(), api, { only: [s.release], upstream: 'skip', registryUrl: registry });
          expect.fail(
            `${s.release} drifts right after the deploy (${s.driftError ?? ''}):\n${formatText(d, { color: false })}`,
          );
        }
        const unexplained = s.unready.filter((u) => !unchecked.has(u));
        expect(unexplained, `${s.release} not Ready`).toEqual([]);
        expect(['ready', 'no workloads', ...(s.unready.length ? ['not ready'] : [])]).toContain(s.health);
      }
      const health = Object.fromEntries(status.releases.map((x) => [x.release, x.health]));
      expect([
        health.platform,
        health['data-tier'],
        health.observability,
        health['core-agents'],
        health.ingress,
      ]).toEqual(['no workloads', 'ready', 'ready', 'ready', 'no workloads']);
    },
    TIMEOUT,
  );

  it(
    'a redeploy with nothing changed is a no-op upgrade that succeeds',
    async () => {
      const before = await generations(env());
      expect(Object.keys(before).length).toBeGreaterThan(5);
      const again = await deployEnvironment(env(), { stateDir, timeout: '4m' });
      expect(again.ok).toBe(true);
      expect(outcomes(again)).toEqual(Object.fromEntries(CHARTS.map((c) => [c, 'deployed'])));
      for (const r of again.releases) expect([r.name, r.revision]).toEqual([r.name, 2]);
      // No object was changed: the workloads' generations did not move.
      expect(await generations(env())).toEqual(before);
    },
    TIMEOUT,
  );

  it(
    'a release whose pods can never be scheduled is rolled back and named; later waves are untouched',
    async () => {
      writeFileSync(
        join(root, 'environments/dev/values/core-agents-unschedulable.yaml'),
        '# No node has this label: the new pods stay Pending.\nagentDefaults:\n  nodeSelector:\n    kosmos.test/never: "true"\n',
      );
      writeEnvironment({ 'core-agents': 'values/core-agents-unschedulable.yaml' });
      const historyBefore = await revisions();
      const run = await cli(['--env', 'dev', '--root', root, '--timeout', '45s', '--json']);
      expect(run.code, run.stderr).toBe(1);
      const result = JSON.parse(run.stdout) as DeployResult;

      expect(result.failed?.release).toBe('core-agents');
      expect(outcomes(result)).toEqual({
        platform: 'deployed',
        'data-tier': 'deployed',
        observability: 'deployed',
        'core-agents': 'failed',
        rollouts: 'not-started',
        ingress: 'not-started',
      });
      const failed = result.releases.find((r) => r.name === 'core-agents');
      expect(failed?.rolledBack).toBe('rolled back to revision 2');
      // The object that did not become Ready, and why: the scheduler's own words.
      const unready = result.failed?.unready ?? [];
      expect(unready.length).toBeGreaterThan(0);
      for (const u of unready) {
        expect([u.kind, u.namespace]).toEqual(['Deployment', 'kosmos-core']);
        expect(u.reason).toMatch(/unschedulable: 0\/3 nodes are available: .*node affinity\/selector/);
      }
      expect(run.stderr).toMatch(/core-agents: FAILED after [\d.]+s: /);
      const named = unready[0];
      expect(run.stderr + run.stdout).toContain(`Deployment ${named?.namespace}/${named?.name}`);
      expect(JSON.stringify(result.failed)).toContain(named?.name ?? '?');
      // helm's output (rendered manifests) never reaches ours.
      expect(`${run.stdout}\n${run.stderr}`).not.toMatch(/^\s*kind: |^---$/m);

      // helm's record: the failed revision, then the rollback to the last good one.
      const historyAfter = await revisions();
      expect(historyAfter['core-agents']?.map((h) => [h.revision, h.status])).toEqual([
        [1, 'superseded'],
        [2, 'superseded'],
        [3, 'failed'],
        [4, 'deployed'],
      ]);
      expect(historyAfter['core-agents']?.at(-1)?.description).toBe('Rollback to 2');
      // Later waves were not touched at all.
      for (const later of ['rollouts', 'ingress']) expect(historyAfter[later]).toEqual(historyBefore[later]);

      // Back where it was: every agent Ready again on the old template.
      const status = await environmentStatus(env(), api, { upstream: 'skip', registryUrl: registry });
      expect(status.releases.find((s) => s.release === 'core-agents')?.health).toBe('ready');
    },
    TIMEOUT,
  );

  it('an upstream chart whose repository is out of reach fails naming the release; --skip-upstream leaves it out', async () => {
    const dir = join(root, 'environments/offline');
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      join(dir, 'environment.yaml'),
      [
        'name: offline',
        'kubernetesVersion: 1.36.3',
        'cluster:',
        '  local: true',
        'registry: local',
        'releases:',
        '  - name: controller',
        '    namespace: default',
        // A closed port on loopback: as unreachable as the internet is from this machine.
        '    chart: { name: controller, repository: https://127.0.0.1:1/charts }',
        '    version: 1.2.3',
        '',
      ].join('\n'),
    );
    const offline = loadEnvironment(root, 'offline');
    const r = await deployEnvironment(offline, { stateDir, timeout: '30s' });
    expect(r.ok).toBe(false);
    expect(r.failed?.release).toBe('controller');
    expect(r.failed?.error).toMatch(
      /^upstream chart controller 1\.2\.3 from https:\/\/127\.0\.0\.1:1\/charts could not be fetched or installed \(--skip-upstream leaves upstream charts out\): helm upgrade: .*127\.0\.0\.1:1/,
    );
    expect(await history('controller', 'default', kubeTarget)).toEqual([]);
    const skipped = await deployEnvironment(offline, { stateDir, skipUpstream: true });
    expect(skipped.ok).toBe(true);
    expect(outcomes(skipped)).toEqual({ controller: 'skipped' });
  });
});
