/**
 * The Zeus canary end to end, with the real controllers: Argo Rollouts v1.8.3 reconciles the
 * rollouts chart's Rollout, shifts the weights of its TraefikService and runs its AnalysisTemplate
 * against a real Prometheus (3.5.0) that scrapes Traefik-shaped metrics. The chart's Prometheus
 * address is left as it is: the harness answers the in-cluster name through an HTTP proxy given
 * to the controller.
 *
 * The releases go to a namespace of this file's own; kwok runs the pods Argo creates.
 */
import { dirname, join } from 'node:path';
import {
  type Controller,
  describeController,
  type InClusterProxy,
  inClusterProxy,
  startArgoRollouts,
  startPrometheus,
} from '@kosmos/testkit';
import { localCluster } from '@kosmos/testkit/vitest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Json } from '../charts/helpers.ts';
import {
  dropNamespace,
  envValues,
  type FakeTraefikMetrics,
  fakeTraefikMetrics,
  install,
  kube,
  type Recorder,
  testValues,
  until,
  watchField,
} from './helpers.ts';

const cluster = localCluster();
const kc = kube(cluster);
const NS = 'ctrl-canary';
const ROLLOUT = 'zeus-orchestrator';
const TS = 'zeus-orchestrator-weighted';
/** The chart's default address, which this test must not change. */
const PROMETHEUS_HOST = 'observability-prometheus.kosmos-observability.svc.cluster.local:9090';

let rollouts: Controller;
let prometheus: Controller & { url: string };
let proxy: InClusterProxy;
let metrics: FakeTraefikMetrics;

const coreAgents = (tag: string) =>
  install(kc, {
    release: 'core-agents',
    chart: 'core-agents',
    namespace: NS,
    values: [envValues('dev', 'core-agents')],
    set: [`agents.zeus-orchestrator.image.tag=${tag}`],
  });
const rolloutsRelease = () =>
  install(kc, {
    release: 'rollouts',
    chart: 'rollouts',
    namespace: NS,
    values: [envValues('dev', 'rollouts'), testValues('rollouts-fast.yaml')],
  });

const rollout = () => kc.json<Json>(['get', 'rollout', ROLLOUT, '-n', NS]);
const weights = async () => {
  const ts = await kc.json<Json>(['get', 'traefikservice', TS, '-n', NS]);
  return Object.fromEntries(
    (ts.spec.weighted.services as Json[]).map((s) => [String(s.name).replace(`${ROLLOUT}-`, ''), s.weight]),
  ) as { stable: number; canary: number };
};
const analysisRuns = async () =>
  (await kc.list('analysisruns', NS)).sort((a, b) =>
    String(a.metadata.creationTimestamp).localeCompare(String(b.metadata.creationTimestamp)),
  );

async function context(): Promise<string> {
  const parts: string[] = [];
  try {
    const r = await rollout();
    parts.push(`rollout status: ${JSON.stringify(r.status)}`);
    parts.push(`weights: ${JSON.stringify(await weights())}`);
    for (const a of await analysisRuns())
      parts.push(`analysisrun ${a.metadata.name}: ${a.status?.phase} ${JSON.stringify(a.status?.metricResults ?? [])}`);
  } catch (e) {
    parts.push(`(could not read state: ${(e as Error).message})`);
  }
  if (rollouts) parts.push(await describeController(rollouts, 40));
  return parts.join('\n');
}

/** Waits until Argo Rollouts has moved all traffic back to stable (after a promotion or an abort). */
const weightBackToStable = () =>
  until(
    'the canary weight back to 0',
    async () => ((await weights()).canary === 0 ? undefined : JSON.stringify(await weights())),
    30_000,
    context,
  );

/** Canary weights as the watch saw them, one per change, e.g. [0, 10, 30, 50, 100, 0]. */
const canaryWeights = (r: Recorder) => r.lines.map((l) => Number(l.split(/\s+/)[1]));

beforeAll(async () => {
  await dropNamespace(kc, NS);
  metrics = await fakeTraefikMetrics([`${NS}-${ROLLOUT}-canary-8000@kubernetescrd`]);
  prometheus = await startPrometheus({
    dir: join(dirname(cluster.kubeconfig), 'controllers', `prometheus-canary-${process.pid}`),
    config: {
      global: { scrape_interval: '1s', scrape_timeout: '1s', evaluation_interval: '1s' },
      scrape_configs: [{ job_name: 'traefik', static_configs: [{ targets: [metrics.target] }] }],
    },
  });
  proxy = await inClusterProxy({ [PROMETHEUS_HOST]: new URL(prometheus.url).host });
  rollouts = await startArgoRollouts({ kubeconfig: cluster.kubeconfig, namespace: NS, httpProxy: proxy.url });

  await coreAgents('v2.0.0');
  await rolloutsRelease();
  await until(
    'the first revision to become the healthy stable',
    async () => {
      const r = await rollout();
      return r.status?.phase === 'Healthy' && r.status?.stableRS ? undefined : `phase ${r.status?.phase}`;
    },
    120_000,
    context,
  );
}, 300_000);

afterAll(async () => {
  await rollouts?.stop();
  await prometheus?.stop();
  await proxy?.close();
  await metrics?.close();
  await kc.helm(['uninstall', 'rollouts', 'core-agents', '-n', NS, '--ignore-not-found']).catch(() => {});
  await dropNamespace(kc, NS);
}, 180_000);

describe('Zeus canary with Argo Rollouts, Traefik weights and a Prometheus analysis', () => {
  it('starts with all traffic on stable', async () => {
    expect(await weights()).toEqual({ stable: 100, canary: 0 });
  });

  it('a new image tag goes 10/30/50/100 while the analysis queries the real Prometheus', async () => {
    const before = (await rollout()).status.stableRS as string;
    const watch = watchField(cluster, ['traefikservice', TS, '-n', NS], '{.spec.weighted.services[*].weight}');
    try {
      await coreAgents('v2.1.0');
      // An upgrade of the rollouts release in the middle of the canary must succeed and leave
      // what Argo set: the weights (not reset to 100/0) and the Services' pod-template-hash
      // selectors (without it, server-side apply conflicts with the controller and fails).
      await until(
        'the canary at 30%',
        async () => ((await weights()).canary === 30 ? undefined : JSON.stringify(await weights())),
        120_000,
        context,
      );
      await rolloutsRelease();
      expect((await weights()).canary).toBe(30);

      await until(
        'the new revision to become stable',
        async () => {
          const r = await rollout();
          return r.status?.phase === 'Healthy' && r.status.stableRS !== before
            ? undefined
            : `phase ${r.status?.phase}, step ${r.status?.currentStepIndex}`;
        },
        180_000,
        context,
      );
      await weightBackToStable();
    } finally {
      watch.stop();
    }
    const seen = canaryWeights(watch);
    const steps = seen.filter((w) => [10, 30, 50, 100].includes(w));
    expect(steps, `canary weights seen: ${seen.join(' -> ')}`).toEqual([10, 30, 50, 100]);
    expect(await weights()).toEqual({ stable: 100, canary: 0 });

    const run = (await analysisRuns()).at(-1) as Json;
    expect(run.status.phase, JSON.stringify(run.status)).toBe('Successful');
    const measured = run.status.metricResults[0].measurements as Json[];
    expect(measured.length).toBeGreaterThan(0);
    // Values come from Prometheus: the canary's share of non-5xx requests, 1 while healthy. The
    // first query may come before Prometheus's first scrape of the canary and return no sample
    // (`[]`); every answer with a sample must be 1, and there must be some.
    const withSample = measured.filter((m) => m.value !== '[]');
    expect(
      measured.every((m) => m.phase === 'Successful') &&
        withSample.length > 0 &&
        withSample.every((m) => m.value === '[1]'),
      JSON.stringify(measured),
    ).toBe(true);
    expect(proxy.seen.some((s) => s.startsWith(`${PROMETHEUS_HOST}/api/v1/query`))).toBe(true);
  }, 420_000);

  it('a failing analysis aborts the canary and the weights return to stable', async () => {
    const stableBefore = (await rollout()).status.stableRS as string;
    const watch = watchField(cluster, ['traefikservice', TS, '-n', NS], '{.spec.weighted.services[*].weight}');
    metrics.setHealthy(false);
    try {
      await coreAgents('v2.2.0');
      await until(
        'the rollout to abort',
        async () => {
          const r = await rollout();
          return r.status?.abort === true && r.status?.phase === 'Degraded'
            ? undefined
            : `phase ${r.status?.phase}, abort ${r.status?.abort}, step ${r.status?.currentStepIndex}`;
        },
        180_000,
        context,
      );
      await weightBackToStable();
    } finally {
      watch.stop();
      metrics.setHealthy(true);
    }
    const seen = canaryWeights(watch);
    expect(seen, `canary weights seen: ${seen.join(' -> ')}`).toContain(10);
    expect(seen.at(-1)).toBe(0);
    expect(await weights()).toEqual({ stable: 100, canary: 0 });
    const r = await rollout();
    expect(r.status.stableRS).toBe(stableBefore);

    const run = (await analysisRuns()).at(-1) as Json;
    expect(run.status.phase, JSON.stringify(run.status)).toBe('Failed');
    const failed = (run.status.metricResults[0].measurements as Json[]).filter((m) => m.phase === 'Failed');
    expect(failed.length).toBeGreaterThanOrEqual(2);
    // A real ratio from Prometheus, well under the chart's 0.95.
    for (const m of failed) expect(Number(JSON.parse(m.value)[0])).toBeLessThan(0.95);
  }, 300_000);

  it('without the traefik.io flags, Argo Rollouts 1.8 cannot reach the TraefikService (argo-rollouts #3615, #4568)', async () => {
    await rollouts.stop();
    rollouts = await startArgoRollouts({
      kubeconfig: cluster.kubeconfig,
      namespace: NS,
      httpProxy: proxy.url,
      traefikArgs: [],
    });
    await coreAgents('v2.3.0');
    let message = '';
    await until(
      'a TrafficRoutingError event on the Rollout',
      async () => {
        const e = (await kc.list('events', NS)).find(
          (x) => x.reason === 'TrafficRoutingError' && x.involvedObject?.name === ROLLOUT,
        );
        message = e?.message ?? '';
        return e ? undefined : 'none yet';
      },
      120_000,
      context,
    );
    // It asks for traefik.containo.us, which Traefik v3 does not serve: no weight ever moves.
    expect(message).toMatch(/traefik\.containo\.us|could not find the requested resource/);
    expect(await weights()).toEqual({ stable: 100, canary: 0 });
  }, 240_000);
});
