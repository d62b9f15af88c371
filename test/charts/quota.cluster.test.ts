/**
 * The capacity plan of kosmos-core (environments/README.md) as the API server's own admission
 * decides it, in namespaces of this file's own carrying production's kosmos-core ResourceQuota
 * (the seeds' 6 CPU / 12Gi requests, 8 CPU / 16Gi limits, 50 pods) and LimitRange, both rendered by
 * the platform chart (the install tests use kosmos-core meanwhile).
 *
 * - Admission alone: every agent at its HPA maximum, Zeus at the peak of a canary at its HPA
 *   maximum, one surge pod and the Argo Rollouts controller's two pods are admitted; one pod more
 *   is refused, and so is the peak of a canary of 4 Zeus replicas (why the maximum is 3).
 * - The real Argo Rollouts controller under the same quota: the production releases with every
 *   agent at its HPA maximum, a new Zeus image goes through 10/30/50/100 to Healthy, the
 *   ReplicaSets never ask for more Zeus pods than the plan's peak, and no pod is refused.
 */

import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { prepareChart, template } from '@kosmos/helm';
import type { KubeObject } from '@kosmos/objects';
import { type Controller, describeController, startArgoRollouts } from '@kosmos/testkit';
import { localCluster } from '@kosmos/testkit/vitest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { dropNamespace, install, testValues, until, watchField } from '../controllers/helpers.ts';
import { canaryPeak } from './canary-peak.ts';
import { chartDir, envValues, type Json, mebibytes, millicores } from './helpers.ts';
import { kube } from './install-helpers.ts';

const cluster = localCluster();
const kc = kube(cluster);
const ADMISSION_NS = `quota-admission-${process.pid}`;
const CANARY_NS = `quota-canary-${process.pid}`;
const ZEUS = 'zeus-orchestrator';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The argo-rollouts release's controller on production, as its values file sizes it. */
const rolloutsController = parse(readFileSync(envValues('production', 'argo-rollouts'), 'utf8')).controller as {
  replicas: number;
  resources: Json;
};

let platform: KubeObject[];
let agents: KubeObject[];
let rollouts: KubeObject[];

async function render(chart: string, namespace: string): Promise<KubeObject[]> {
  await prepareChart(chartDir(chart));
  return template({
    chart: chartDir(chart),
    release: chart,
    namespace,
    valuesFiles: [envValues('production', chart)],
    apiVersions: ['argoproj.io/v1alpha1/Rollout', 'monitoring.coreos.com/v1/ServiceMonitor'],
  });
}

const get = (objs: KubeObject[], kind: string, name: string): Json => {
  const o = objs.find((x) => x.kind === kind && x.metadata.name === name);
  if (!o) throw new Error(`${kind}/${name} not rendered`);
  return o as Json;
};
const deployments = () => agents.filter((o) => o.kind === 'Deployment') as Json[];
const hpaMax = (objs: KubeObject[], name: string) =>
  get(objs, 'HorizontalPodAutoscaler', name).spec.maxReplicas as number;
const zeusMax = () => hpaMax(rollouts, ZEUS);
const canaryWeights = () =>
  (get(rollouts, 'Rollout', ZEUS).spec.strategy.canary.steps as Json[]).flatMap((s) =>
    s.setWeight === undefined ? [] : [s.setWeight as number],
  );

/** A pod from a pod template (what the Deployment or Rollout would create). */
function podFrom(tpl: Json, name: string, ns: string): Json {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: ns, labels: tpl.metadata.labels },
    spec: { ...tpl.spec, automountServiceAccountToken: false },
  };
}

/** A pod holding the quota share of one Argo Rollouts controller replica (the tests run it natively). */
function controllerPod(i: number, ns: string): Json {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: `argo-rollouts-${i}`, namespace: ns, labels: { 'app.kubernetes.io/name': 'argo-rollouts' } },
    spec: {
      automountServiceAccountToken: false,
      securityContext: { runAsNonRoot: true, runAsUser: 999, seccompProfile: { type: 'RuntimeDefault' } },
      containers: [
        {
          name: 'argo-rollouts',
          image: 'quay.io/argoproj/argo-rollouts:v1.8.3',
          resources: rolloutsController.resources,
          securityContext: {
            allowPrivilegeEscalation: false,
            readOnlyRootFilesystem: true,
            capabilities: { drop: ['ALL'] },
          },
        },
      ],
    },
  };
}
const controllerPods = (ns: string) =>
  Array.from({ length: rolloutsController.replicas }, (_, i) => controllerPod(i, ns));

/** Creates an object; resolves to the API server's refusal, or undefined when admitted. */
async function create(obj: Json): Promise<string | undefined> {
  try {
    await kc.k(['create', '-f', '-'], JSON.stringify(obj));
    return undefined;
  } catch (e) {
    return (e as Error).message;
  }
}

/** A restricted namespace with production's kosmos-core quota and LimitRange, the quota's usage computed. */
async function quotaNamespace(ns: string): Promise<void> {
  await kc.k(
    ['apply', '-f', '-'],
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: {
        name: ns,
        labels: {
          'pod-security.kubernetes.io/enforce': 'restricted',
          'pod-security.kubernetes.io/enforce-version': 'v1.36',
        },
      },
    }),
  );
  const lr = get(platform, 'LimitRange', 'kosmos-default-limits');
  await kc.k(['apply', '-f', '-'], JSON.stringify({ ...lr, metadata: { name: lr.metadata.name, namespace: ns } }));
  const q = get(platform, 'ResourceQuota', 'kosmos-core-quota');
  await kc.k(['apply', '-f', '-'], JSON.stringify({ ...q, metadata: { name: q.metadata.name, namespace: ns } }));
  // Admission refuses every pod until the quota controller has computed the usage.
  for (let i = 0; i < 120; i++) {
    const s = await kc.json(['get', 'resourcequota', q.metadata.name, '-n', ns]);
    if (s.status?.used && JSON.stringify(s.status.hard) === JSON.stringify(s.spec.hard)) return;
    await sleep(500);
  }
  throw new Error(`ResourceQuota of ${ns} not computed`);
}

beforeAll(async () => {
  platform = await render('platform', 'kube-system');
  agents = await render('core-agents', 'kosmos-core');
  rollouts = await render('rollouts', 'kosmos-core');
}, 120_000);

afterAll(async () => {
  await kc.helm(['uninstall', 'rollouts', 'core-agents', '-n', CANARY_NS, '--ignore-not-found']).catch(() => {});
  await Promise.all([dropNamespace(kc, ADMISSION_NS), dropNamespace(kc, CANARY_NS)]);
}, 180_000);

describe('the plan', () => {
  it("production's kosmos-core quota is the seeds' own", () => {
    expect(get(platform, 'ResourceQuota', 'kosmos-core-quota').spec.hard).toMatchObject({
      'requests.cpu': '6',
      'requests.memory': '12Gi',
      'limits.cpu': '8',
      'limits.memory': '16Gi',
      pods: '50',
    });
  });

  it("a canary of Zeus's HPA maximum (3) peaks at 5 pods: 2 canary + 3 stable at the 50 % step", () => {
    expect(zeusMax()).toBe(3);
    expect(canaryWeights()).toEqual([10, 30, 50, 100]);
    expect([2, 3, 4, 5].map((n) => canaryPeak(n, canaryWeights()))).toEqual([3, 5, 6, 8]);
  });
});

describe('kosmos-core capacity, as admission decides it', () => {
  beforeAll(async () => {
    await quotaNamespace(ADMISSION_NS);
    for (const sa of agents.filter((o) => o.kind === 'ServiceAccount'))
      await kc.k(['create', 'serviceaccount', sa.metadata.name, '-n', ADMISSION_NS]);
  }, 120_000);

  /** The controller, every agent but Zeus at its HPA maximum, then (last, so a refusal hits it) Zeus at `zeus` pods. */
  function stack(zeus: number): Json[] {
    const pods = controllerPods(ADMISSION_NS);
    for (const d of deployments().filter((x) => x.metadata.name !== ZEUS))
      for (let i = 0; i < hpaMax(agents, d.metadata.name); i++)
        pods.push(podFrom(d.spec.template, `${d.metadata.name}-${i}`, ADMISSION_NS));
    const zeusTpl = get(agents, 'Deployment', ZEUS).spec.template;
    for (let i = 0; i < zeus; i++) pods.push(podFrom(zeusTpl, `${ZEUS}-${i}`, ADMISSION_NS));
    return pods;
  }

  /** The agent whose one surge pod (a rolling update, maxSurge 1) takes the most limits, Zeus aside. */
  function surgePod(): Json {
    const [largest] = deployments()
      .filter((d) => d.metadata.name !== ZEUS)
      .sort(
        (a, b) =>
          millicores(b.spec.template.spec.containers[0].resources.limits.cpu) -
          millicores(a.spec.template.spec.containers[0].resources.limits.cpu),
      );
    return podFrom((largest as Json).spec.template, `${(largest as Json).metadata.name}-surge`, ADMISSION_NS);
  }

  it("the agents at their HPA maxima, Zeus's canary at its peak, a surge pod and the controller fit", async () => {
    const peak = canaryPeak(zeusMax(), canaryWeights());
    const pods = [...stack(peak), surgePod()];
    expect(pods).toHaveLength(rolloutsController.replicas + 3 * 3 + peak + 1);
    const refused: string[] = [];
    for (const p of pods) {
      const why = await create(p);
      if (why) refused.push(`${p.metadata.name}: ${why.split('\n')[0]}`);
    }
    expect(refused).toEqual([]);
    const q = await kc.json(['get', 'resourcequota', 'kosmos-core-quota', '-n', ADMISSION_NS]);
    expect(Number(q.status.used.pods)).toBe(pods.length);
    // the plan's arithmetic (environments/README.md): 7900m / 15872Mi of limits
    expect([millicores(q.status.used['limits.cpu']), mebibytes(q.status.used['limits.memory'])]).toEqual([7900, 15872]);
    // and the quota binds: one Zeus pod more is refused by name
    const zeusTpl = get(agents, 'Deployment', ZEUS).spec.template;
    expect(await create(podFrom(zeusTpl, 'zeus-extra', ADMISSION_NS))).toMatch(
      /exceeded quota: kosmos-core-quota.*limits\.cpu/s,
    );
    await kc.k(['delete', 'pods', '--all', '-n', ADMISSION_NS, '--grace-period=0', '--force', '--wait=true']);
  }, 180_000);

  it('a canary of 4 Zeus replicas (6 pods at its peak) would not fit: why the maximum is 3', async () => {
    const pods = stack(canaryPeak(4, canaryWeights()));
    const refused: string[] = [];
    for (const p of pods) {
      const why = await create(p);
      if (why) refused.push(`${p.metadata.name}: ${why.split('\n')[0]}`);
    }
    // everything else is admitted; the sixth Zeus pod is refused
    expect(refused).toHaveLength(1);
    expect(refused[0]).toMatch(new RegExp(`^${ZEUS}-5: .*exceeded quota: kosmos-core-quota.*limits\\.cpu`));
    await kc.k(['delete', 'pods', '--all', '-n', ADMISSION_NS, '--grace-period=0', '--force', '--wait=true']);
  }, 180_000);
});

describe('the real Argo Rollouts controller under the quota', () => {
  let controller: Controller | undefined;

  beforeAll(async () => {
    await dropNamespace(kc, CANARY_NS);
    await quotaNamespace(CANARY_NS);
    for (const p of controllerPods(CANARY_NS)) expect(await create(p)).toBeUndefined();
    controller = await startArgoRollouts({
      kubeconfig: cluster.kubeconfig,
      namespace: CANARY_NS,
      dir: join(dirname(cluster.kubeconfig), 'controllers', `argo-rollouts-quota-${process.pid}`),
    });
  }, 300_000);

  afterAll(async () => {
    await controller?.stop();
  });

  // The HPAs need metrics that simulated pods do not have: they are replaced by their maxima.
  const coreAgents = (tag: string) =>
    install(kc, {
      release: 'core-agents',
      chart: 'core-agents',
      namespace: CANARY_NS,
      values: [envValues('production', 'core-agents')],
      set: [
        'agentDefaults.autoscaling.enabled=false',
        `agentDefaults.replicaCount=${hpaMax(agents, 'athena')}`,
        `agents.${ZEUS}.image.tag=${tag}`,
      ],
    });
  // The chart's steps with pauses of seconds; no analysis (the canary test runs it against a real
  // Prometheus): this test is about the pods the canary needs.
  const rolloutsRelease = () =>
    install(kc, {
      release: 'rollouts',
      chart: 'rollouts',
      namespace: CANARY_NS,
      values: [envValues('production', 'rollouts'), testValues('rollouts-fast.yaml')],
      set: [
        'rolloutDefaults.autoscaling.enabled=false',
        `rolloutDefaults.replicas=${zeusMax()}`,
        'rolloutDefaults.analysis.enabled=false',
      ],
    });
  const rollout = () => kc.json<Json>(['get', 'rollout', ZEUS, '-n', CANARY_NS]);
  const quotaRefusals = async () =>
    (await kc.list('events', CANARY_NS))
      .filter((e) => e.reason === 'FailedCreate' && /exceeded quota/.test(e.message ?? ''))
      .map((e) => `${e.involvedObject?.name}: ${e.message}`);
  const context = async () =>
    [
      `rollout: ${JSON.stringify((await rollout().catch(() => ({}) as Json)).status ?? {})}`,
      `quota refusals: ${(await quotaRefusals()).join('\n') || 'none'}`,
      controller ? await describeController(controller, 30) : '',
    ].join('\n');

  it("a new Zeus image at the HPA maximum goes 10/30/50/100 to Healthy; no pod refused, Zeus's pods never above the plan's peak", async () => {
    await coreAgents('v2.0.0');
    await rolloutsRelease();
    await until(
      `the first revision healthy at ${zeusMax()} replicas`,
      async () => {
        const r = await rollout();
        return r.status?.phase === 'Healthy' && r.status?.availableReplicas === zeusMax()
          ? undefined
          : `phase ${r.status?.phase}, available ${r.status?.availableReplicas}`;
      },
      180_000,
      context,
    );
    const before = (await rollout()).status.stableRS as string;

    // Every change of a Zeus ReplicaSet's desired replicas: their sum is what the quota must hold.
    const watch = watchField(
      cluster,
      ['replicasets', '-n', CANARY_NS, '-l', `app.kubernetes.io/component=${ZEUS}`],
      '{.metadata.name} {.spec.replicas}',
    );
    try {
      await coreAgents('v2.1.0');
      await until(
        'the new revision to become stable',
        async () => {
          const r = await rollout();
          return r.status?.phase === 'Healthy' && r.status.stableRS && r.status.stableRS !== before
            ? undefined
            : `phase ${r.status?.phase}, step ${r.status?.currentStepIndex}`;
        },
        240_000,
        context,
      );
    } finally {
      watch.stop();
    }
    const desired = new Map<string, number>();
    let most = 0;
    for (const line of watch.lines) {
      const [name, replicas] = line.split(/\s+/);
      if (!name) continue;
      desired.set(name, Number(replicas ?? 0));
      most = Math.max(
        most,
        [...desired.values()].reduce((a, b) => a + b, 0),
      );
    }
    expect(most, watch.lines.join('\n')).toBe(canaryPeak(zeusMax(), canaryWeights()));
    expect(await quotaRefusals()).toEqual([]);
  }, 480_000);
});
