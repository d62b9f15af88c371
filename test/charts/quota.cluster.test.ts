/**
 * The capacity plan (environments/README.md) checked by the API server's own admission: in a
 * namespace carrying production's kosmos-core ResourceQuota and LimitRange (rendered by the
 * platform chart; a namespace of its own so that the install tests can use kosmos-core meanwhile),
 * the agents' pods at their HPA maxima, Zeus at its Rollout's HPA maximum plus one canary pod and
 * the two Argo Rollouts controllers are all admitted. The same pods against the seeds' original
 * quota (limits 8 CPU / 16Gi) with the old HPA floor of 3 show the defect this replaced: the canary
 * pod is refused.
 */
import { prepareChart, template } from '@kosmos/helm';
import type { KubeObject } from '@kosmos/objects';
import { localCluster } from '@kosmos/testkit/vitest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chartDir, envValues, type Json } from './helpers.ts';
import { kube } from './install-helpers.ts';

const kc = kube(localCluster());
const NS = `kosmos-core-quota-${process.pid}`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The Argo Rollouts controller as the brief of the capacity plan sizes it (2 x 100m/128Mi -> 500m/256Mi). */
const CONTROLLER = { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '256Mi' } };

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

/** A restricted pod from a pod template (what the Deployment or Rollout would create). */
function podFrom(tpl: Json, name: string): Json {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: NS, labels: tpl.metadata.labels },
    spec: { ...tpl.spec, automountServiceAccountToken: false },
  };
}

function controllerPod(i: number): Json {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: `argo-rollouts-${i}`, namespace: NS, labels: { 'app.kubernetes.io/name': 'argo-rollouts' } },
    spec: {
      automountServiceAccountToken: false,
      securityContext: { runAsNonRoot: true, runAsUser: 999, seccompProfile: { type: 'RuntimeDefault' } },
      containers: [
        {
          name: 'argo-rollouts',
          image: 'quay.io/argoproj/argo-rollouts:v1.8.3',
          resources: CONTROLLER,
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

/** Creates a pod; resolves to the API server's refusal, or undefined when admitted. */
async function create(pod: Json): Promise<string | undefined> {
  try {
    await kc.k(['create', '-f', '-'], JSON.stringify(pod));
    return undefined;
  } catch (e) {
    return (e as Error).message;
  }
}

async function applyQuota(hard: Record<string, string>): Promise<void> {
  const q = get(platform, 'ResourceQuota', 'kosmos-core-quota');
  await kc.k(
    ['apply', '-f', '-'],
    JSON.stringify({ ...q, metadata: { name: 'kosmos-core-quota', namespace: NS }, spec: { hard } }),
  );
  // admission refuses pods until the quota controller has computed the usage
  for (let i = 0; i < 120; i++) {
    const s = await kc.json(['get', 'resourcequota', 'kosmos-core-quota', '-n', NS]);
    if (s.status?.hard && JSON.stringify(s.status.hard) === JSON.stringify(s.spec.hard) && s.status.used) return;
    await sleep(500);
  }
  throw new Error('ResourceQuota status not computed');
}

async function deletePods(): Promise<void> {
  await kc.k(['delete', 'pods', '--all', '-n', NS, '--grace-period=0', '--force', '--wait=true']);
}

beforeAll(async () => {
  platform = await render('platform', 'kube-system');
  agents = await render('core-agents', 'kosmos-core');
  rollouts = await render('rollouts', 'kosmos-core');
  await kc.k(
    ['apply', '-f', '-'],
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: {
        name: NS,
        labels: {
          'pod-security.kubernetes.io/enforce': 'restricted',
          'pod-security.kubernetes.io/enforce-version': 'v1.36',
        },
      },
    }),
  );
  const lr = get(platform, 'LimitRange', 'kosmos-default-limits');
  await kc.k(['apply', '-f', '-'], JSON.stringify({ ...lr, metadata: { name: lr.metadata.name, namespace: NS } }));
  for (const sa of agents.filter((o) => o.kind === 'ServiceAccount'))
    await kc.k(['create', 'serviceaccount', sa.metadata.name, '-n', NS]);
}, 300_000);

afterAll(async () => {
  await kc.k(['delete', 'namespace', NS, '--wait=false', '--ignore-not-found']);
});

/** The pods of the stack: each agent at `replicas(agent)`, Zeus (the Rollout's pods) at `zeus`, plus the canary pod. */
function stackPods(replicas: (agent: string) => number, zeus: number): Json[] {
  const pods: Json[] = [];
  for (const d of agents.filter((o) => o.kind === 'Deployment') as Json[]) {
    const name = d.metadata.name as string;
    const n = name === 'zeus-orchestrator' ? zeus : replicas(name);
    for (let i = 0; i < n; i++) pods.push(podFrom(d.spec.template, `${name}-${i}`));
  }
  const zeusTpl = get(agents, 'Deployment', 'zeus-orchestrator').spec.template;
  pods.push(podFrom(zeusTpl, 'zeus-orchestrator-canary-0'));
  return pods;
}

describe('kosmos-core capacity, as admission decides it', () => {
  it('production: agents and Zeus at their HPA maxima, a canary pod and the controllers fit the quota', async () => {
    const hard = get(platform, 'ResourceQuota', 'kosmos-core-quota').spec.hard as Record<string, string>;
    await applyQuota(hard);
    const maxOf = (name: string) => get(agents, 'HorizontalPodAutoscaler', name).spec.maxReplicas as number;
    const zeusMax = get(rollouts, 'HorizontalPodAutoscaler', 'zeus-orchestrator').spec.maxReplicas as number;
    expect(zeusMax).toBe(5);
    const pods = [controllerPod(0), controllerPod(1), ...stackPods(maxOf, zeusMax)];
    expect(pods).toHaveLength(2 + 3 * 5 + 5 + 1);
    const refused: string[] = [];
    for (const p of pods) {
      const why = await create(p);
      if (why) refused.push(`${p.metadata.name}: ${why.split('\n')[0]}`);
    }
    expect(refused).toEqual([]);
    const q = await kc.json(['get', 'resourcequota', 'kosmos-core-quota', '-n', NS]);
    expect(Number(q.status.used.pods)).toBe(pods.length);
    // the quota still binds: pods beyond the plan are refused by name
    let extra: string | undefined;
    for (let i = 0; i < 10 && !extra; i++)
      extra = await create(podFrom(get(agents, 'Deployment', 'zeus-orchestrator').spec.template, `zeus-extra-${i}`));
    expect(extra).toMatch(/exceeded quota: kosmos-core-quota/);
    await deletePods();
  });

  it("the seeds' original quota (limits 8 CPU) with the old HPA floor of 3 refuses the first canary pod", async () => {
    await applyQuota({
      'requests.cpu': '6',
      'requests.memory': '12Gi',
      'limits.cpu': '8',
      'limits.memory': '16Gi',
      pods: '50',
    });
    // Before: the controller had no resources and got the LimitRange default (500m) each.
    const pods = [controllerPod(0), controllerPod(1), ...stackPods(() => 3, 3)];
    const canary = pods.pop() as Json;
    for (const p of pods) expect(await create(p), p.metadata.name).toBeUndefined();
    expect(await create(canary)).toMatch(/exceeded quota: kosmos-core-quota.*limits\.cpu/s);
    await deletePods();
  });
});
