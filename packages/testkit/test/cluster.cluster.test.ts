import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { kubectl } from '../src/kubectl.ts';
import { localCluster } from '../src/vitest.ts';

const env = localCluster();
const k = (args: string[], input?: string) => kubectl(env.kubectl, env.kubeconfig, args, input);
const apply = (obj: object) => k(['apply', '-f', '-'], stringify(obj));
const create = (obj: object) => k(['create', '-f', '-'], stringify(obj));

interface Node {
  metadata: { name: string; labels: Record<string, string> };
  status: { conditions: { type: string; status: string }[] };
}

describe('local cluster', () => {
  it('answers with the pinned Kubernetes version', async () => {
    const v = JSON.parse(await k(['version', '-o', 'json'])) as { serverVersion: { gitVersion: string } };
    expect(v.serverVersion.gitVersion).toBe('v1.36.3');
    expect(env.kubeVersion).toBe('v1.36.3');
  });

  it('has 3 Ready simulated nodes, one per zone, labelled like K3s servers', async () => {
    const nodes = (JSON.parse(await k(['get', 'nodes', '-o', 'json'])) as { items: Node[] }).items;
    expect(nodes).toHaveLength(3);
    for (const n of nodes) {
      expect(n.status.conditions.find((c) => c.type === 'Ready')?.status).toBe('True');
      expect(n.metadata.labels['node-role.kubernetes.io/control-plane']).toBe('true');
    }
    expect(new Set(nodes.map((n) => n.metadata.labels['topology.kubernetes.io/zone'])).size).toBe(3);
  });

  it('runs a 3-replica Deployment to Available (controller-manager, scheduler and kwok at work)', async () => {
    await create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'fdn-deploy' } });
    await apply({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace: 'fdn-deploy' },
      spec: {
        replicas: 3,
        selector: { matchLabels: { app: 'web' } },
        template: {
          metadata: { labels: { app: 'web' } },
          spec: { containers: [{ name: 'web', image: 'nginx:1.27' }] },
        },
      },
    });
    await k(['wait', '-n', 'fdn-deploy', '--for=condition=Available', 'deployment/web', '--timeout=120s']);
    const d = JSON.parse(await k(['get', '-n', 'fdn-deploy', 'deployment/web', '-o', 'json'])) as {
      status: { availableReplicas: number };
    };
    expect(d.status.availableReplicas).toBe(3);
  });
});

describe('Pod Security admission', () => {
  const ns = 'fdn-restricted';
  const pod = (name: string, securityContext: object, containerSecurityContext: object) => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: ns },
    spec: {
      securityContext,
      containers: [{ name: 'app', image: 'busybox:1.37', securityContext: containerSecurityContext }],
    },
  });

  it('rejects a root pod and admits a compliant one in an enforce=restricted namespace', async () => {
    await create({
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: ns, labels: { 'pod-security.kubernetes.io/enforce': 'restricted' } },
    });
    const rejected = create(pod('as-root', { runAsUser: 0 }, {}));
    await expect(rejected).rejects.toThrow(/violates PodSecurity "restricted:latest".*runAsNonRoot/s);

    await create(
      pod(
        'compliant',
        { runAsNonRoot: true, runAsUser: 10001, seccompProfile: { type: 'RuntimeDefault' } },
        { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, readOnlyRootFilesystem: true },
      ),
    );
    await k(['wait', '-n', ns, '--for=condition=Ready', 'pod/compliant', '--timeout=60s']);
  });
});

describe('upstream CRDs', () => {
  const ns = 'fdn-crds';
  const rollout = (replicas: unknown) => ({
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Rollout',
    metadata: { name: `r-${typeof replicas}`, namespace: ns },
    spec: {
      replicas,
      selector: { matchLabels: { app: 'r' } },
      template: { metadata: { labels: { app: 'r' } }, spec: { containers: [{ name: 'r', image: 'nginx:1.27' }] } },
      strategy: { canary: { steps: [{ setWeight: 10 }, { pause: { duration: '5m' } }] } },
    },
  });
  const ingressRoute = (routes: unknown) => ({
    apiVersion: 'traefik.io/v1alpha1',
    kind: 'IngressRoute',
    metadata: { name: `ir-${typeof routes}`, namespace: ns },
    spec: { entryPoints: ['websecure'], routes },
  });
  const serviceMonitor = (endpoints: unknown) => ({
    apiVersion: 'monitoring.coreos.com/v1',
    kind: 'ServiceMonitor',
    metadata: { name: `sm-${typeof endpoints}`, namespace: ns },
    spec: { selector: { matchLabels: { app: 'x' } }, endpoints },
  });

  it('accepts a Rollout, an IngressRoute and a ServiceMonitor, and rejects each with a wrong field type', async () => {
    await create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
    await create(rollout(2));
    await create(
      ingressRoute([
        { match: 'Host(`kosmos.example.com`)', kind: 'Rule', services: [{ name: 'zeus-orchestrator', port: 8000 }] },
      ]),
    );
    await create(serviceMonitor([{ port: 'http', interval: '30s', path: '/metrics' }]));
    const names = await k(['get', '-n', ns, 'rollouts,ingressroutes,servicemonitors', '-o', 'name']);
    expect(names.trim().split('\n').sort()).toEqual([
      'ingressroute.traefik.io/ir-object',
      'rollout.argoproj.io/r-number',
      'servicemonitor.monitoring.coreos.com/sm-object',
    ]);

    await expect(create(rollout('three'))).rejects.toThrow(/spec\.replicas.*integer/s);
    await expect(create(ingressRoute('not-a-list'))).rejects.toThrow(/spec\.routes.*array/s);
    await expect(create(serviceMonitor(5))).rejects.toThrow(/spec\.endpoints.*array/s);
  });
});
