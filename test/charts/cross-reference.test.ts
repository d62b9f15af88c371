/**
 * Every name one rendered object gives another must resolve, over the whole stack of each
 * environment (our releases with their values, as `helm template` renders them for the cluster's
 * APIs): in-cluster DNS names, Service and PDB selectors, HPA targets, Rollout workloadRefs and
 * Services, TraefikService and IngressRoute backends and middlewares, ServiceMonitor selectors and
 * ports, and the Alertmanagers Prometheus sends to. A name resolves to another rendered object, to
 * an object a pinned upstream release of that environment creates, or to what Kubernetes itself
 * serves (`default/kubernetes`).
 */
import { type Environment, loadEnvironment, type Release, waves } from '@kosmos/environment';
import { prepareChart, template } from '@kosmos/helm';
import type { KubeObject } from '@kosmos/objects';
import { beforeAll, describe, expect, it } from 'vitest';
import { type Env, envs, type Json, root } from './helpers.ts';

const API_VERSIONS = [
  'monitoring.coreos.com/v1/ServiceMonitor',
  'monitoring.coreos.com/v1/PodMonitor',
  'monitoring.coreos.com/v1/PrometheusRule',
  'argoproj.io/v1alpha1/Rollout',
  'traefik.io/v1alpha1/IngressRoute',
];

const CLUSTER_SCOPED = new Set(['Namespace', 'ClusterRole', 'ClusterRoleBinding', 'StorageClass']);

interface Obj {
  kind: string;
  name: string;
  namespace: string;
  o: Json;
  release: string;
}
interface Pods {
  namespace: string;
  labels: Record<string, string>;
  from: string;
  /** Container port names, when known (our own pod templates). */
  ports?: string[];
}
interface Svc {
  namespace: string;
  name: string;
  labels: Record<string, string>;
  ports: string[];
  from: string;
}

interface Stack {
  env: Environment;
  objects: Obj[];
  pods: Pods[];
  services: Svc[];
}

const matches = (selector: Record<string, string>, labels: Record<string, string>) =>
  Object.entries(selector).every(([k, v]) => labels[k] === v);

/**
 * The controllers of the local cluster: dev pins no upstream release, the testkit runs the pinned
 * controllers natively against its API server instead (in the namespaces the releases use).
 */
const LOCAL_CONTROLLERS: Record<string, string> = {
  'prometheus-operator': 'kosmos-observability',
  'argo-rollouts': 'kosmos-core',
  traefik: 'kosmos-ingress',
};

/** What the pinned upstream releases of an environment create that our objects name. */
function upstreamObjects(env: Environment, objects: Obj[]): { pods: Pods[]; services: Svc[] } {
  const pods: Pods[] = [];
  const services: Svc[] = [];
  const has = (name: string): { namespace: string } | undefined =>
    env.cluster.local
      ? LOCAL_CONTROLLERS[name] !== undefined
        ? { namespace: LOCAL_CONTROLLERS[name] as string }
        : undefined
      : env.releases.find((r) => r.chart.kind === 'upstream' && r.name === name);
  const op = has('prometheus-operator');
  if (op && !env.cluster.local) {
    // --kubelet-service=kube-system/kubelet (values/prometheus-operator.yaml kubeletService)
    services.push({
      namespace: 'kube-system',
      name: 'kubelet',
      labels: { 'app.kubernetes.io/name': 'kubelet', 'k8s-app': 'kubelet' },
      ports: ['https-metrics', 'http-metrics', 'cadvisor'],
      from: 'prometheus-operator (kubelet Service)',
    });
  }
  if (op) {
    // The pods of each Prometheus/Alertmanager resource, labelled as the operator labels them.
    for (const o of objects.filter((x) => ['Prometheus', 'Alertmanager'].includes(x.kind))) {
      const kind = o.kind.toLowerCase();
      pods.push({
        namespace: o.namespace,
        labels: {
          ...(o.o.spec.podMetadata?.labels ?? {}),
          'app.kubernetes.io/name': kind,
          'app.kubernetes.io/instance': o.name,
          'app.kubernetes.io/managed-by': 'prometheus-operator',
          [kind]: o.name,
        },
        from: `prometheus-operator (${o.kind} ${o.name})`,
      });
    }
  }
  const ar = has('argo-rollouts');
  if (ar) {
    pods.push({
      namespace: ar.namespace,
      labels: { 'app.kubernetes.io/name': 'argo-rollouts', 'app.kubernetes.io/component': 'rollouts-controller' },
      from: 'argo-rollouts controller',
    });
  }
  const tr = has('traefik');
  if (tr) pods.push({ namespace: tr.namespace, labels: { 'app.kubernetes.io/name': 'traefik' }, from: 'traefik' });
  // Kubernetes itself
  services.push({
    namespace: 'default',
    name: 'kubernetes',
    labels: { component: 'apiserver', provider: 'kubernetes' },
    ports: ['https'],
    from: 'kube-apiserver',
  });
  return { pods, services };
}

async function renderStack(name: Env): Promise<Stack> {
  const env = loadEnvironment(root, name);
  const ours = waves(env.releases)
    .flat()
    .filter((r): r is Release & { chart: { kind: 'repo'; dir: string } } => r.chart.kind === 'repo');
  const objects: Obj[] = [];
  for (const r of ours) {
    await prepareChart(r.chart.dir);
    const objs: KubeObject[] = await template({
      chart: r.chart.dir,
      release: r.name,
      namespace: r.namespace,
      valuesFiles: r.values,
      apiVersions: API_VERSIONS,
    });
    for (const o of objs)
      objects.push({
        kind: o.kind,
        name: o.metadata.name,
        namespace: CLUSTER_SCOPED.has(o.kind) ? '' : (o.metadata.namespace ?? r.namespace),
        o: o as Json,
        release: r.name,
      });
  }
  const pods: Pods[] = [];
  const services: Svc[] = [];
  for (const x of objects) {
    const tpl =
      x.kind === 'CronJob'
        ? x.o.spec.jobTemplate.spec.template
        : ['Deployment', 'StatefulSet', 'DaemonSet', 'Rollout'].includes(x.kind)
          ? x.o.spec.template
          : undefined;
    if (tpl?.metadata?.labels)
      pods.push({
        namespace: x.namespace,
        labels: tpl.metadata.labels,
        from: `${x.kind}/${x.name}`,
        ports: ((tpl.spec?.containers ?? []) as Json[]).flatMap((c) => ((c.ports ?? []) as Json[]).map((p) => p.name)),
      });
    if (x.kind === 'Service')
      services.push({
        namespace: x.namespace,
        name: x.name,
        labels: x.o.metadata.labels ?? {},
        ports: (x.o.spec.ports as Json[]).map((p) => p.name as string),
        from: `${x.release}`,
      });
  }
  const up = upstreamObjects(env, objects);
  return { env, objects, pods: [...pods, ...up.pods], services: [...services, ...up.services] };
}

const stacks: Partial<Record<Env, Stack>> = {};
beforeAll(async () => {
  for (const e of envs) stacks[e] = await renderStack(e);
}, 300_000);

const stack = (e: Env): Stack => {
  const s = stacks[e];
  if (!s) throw new Error(`stack ${e} not rendered`);
  return s;
};
const find = (s: Stack, kind: string, namespace: string, name: string) =>
  s.objects.find((x) => x.kind === kind && x.namespace === namespace && x.name === name);
const service = (s: Stack, namespace: string, name: string) =>
  s.services.find((x) => x.namespace === namespace && x.name === name);
const of = (s: Stack, kind: string) => s.objects.filter((x) => x.kind === kind);
const where = (x: Obj) => `${x.release}: ${x.kind} ${x.namespace}/${x.name}`;

describe.each(envs)('cross references in %s', (e) => {
  it('renders the whole stack of the environment', () => {
    const s = stack(e);
    expect(new Set(s.objects.map((x) => x.release))).toEqual(
      new Set(['platform', 'data-tier', 'observability', 'core-agents', 'rollouts', 'ingress']),
    );
  });

  it('every in-cluster DNS name (<service>.<namespace>.svc) names a rendered Service', () => {
    const s = stack(e);
    const missing: string[] = [];
    let seen = 0;
    const dns = /\b((?:[a-z0-9]([-a-z0-9]*[a-z0-9])?\.)+)([a-z0-9]([-a-z0-9]*[a-z0-9])?)\.svc\b/g;
    for (const x of s.objects) {
      for (const m of JSON.stringify(x.o).matchAll(dns)) {
        const labels = (m[1] as string).split('.').filter(Boolean);
        const ns = m[3] as string;
        // <pod>.<headless service>.<namespace>.svc names the Service just before the namespace
        const svc = labels[labels.length - 1] as string;
        seen++;
        if (!service(s, ns, svc)) missing.push(`${where(x)} names ${m[0]}`);
      }
    }
    expect(missing).toEqual([]);
    expect(seen).toBeGreaterThan(5);
  });

  it('every Service and PodDisruptionBudget selects pods some workload, operator or controller creates', () => {
    const s = stack(e);
    const missing: string[] = [];
    for (const x of [...of(s, 'Service'), ...of(s, 'PodDisruptionBudget')]) {
      const sel = x.kind === 'Service' ? x.o.spec.selector : x.o.spec.selector?.matchLabels;
      if (!sel) continue;
      if (!s.pods.some((p) => p.namespace === x.namespace && matches(sel, p.labels)))
        missing.push(`${where(x)} selects ${JSON.stringify(sel)}`);
    }
    expect(missing).toEqual([]);
  });

  it('every HPA target, Rollout workloadRef, Service, TraefikService and AnalysisTemplate exists', () => {
    const s = stack(e);
    const missing: string[] = [];
    for (const h of of(s, 'HorizontalPodAutoscaler')) {
      const t = h.o.spec.scaleTargetRef;
      if (!find(s, t.kind, h.namespace, t.name)) missing.push(`${where(h)} targets ${t.kind}/${t.name}`);
    }
    for (const r of of(s, 'Rollout')) {
      const ref = r.o.spec.workloadRef;
      if (ref && !find(s, ref.kind, r.namespace, ref.name))
        missing.push(`${where(r)} workloadRef ${ref.kind}/${ref.name}`);
      const c = r.o.spec.strategy?.canary ?? {};
      for (const svc of [c.canaryService, c.stableService].filter(Boolean))
        if (!service(s, r.namespace, svc)) missing.push(`${where(r)} Service ${svc}`);
      const ts = c.trafficRouting?.traefik?.weightedTraefikServiceName;
      if (ts && !find(s, 'TraefikService', r.namespace, ts)) missing.push(`${where(r)} TraefikService ${ts}`);
      const templates = [
        ...(c.analysis?.templates ?? []),
        ...((c.steps ?? []) as Json[]).flatMap((st) => st.analysis?.templates ?? []),
      ];
      for (const t of templates)
        if (!find(s, 'AnalysisTemplate', r.namespace, t.templateName))
          missing.push(`${where(r)} AnalysisTemplate ${t.templateName}`);
    }
    expect(missing).toEqual([]);
  });

  it('every TraefikService and IngressRoute backend and middleware exists', () => {
    const s = stack(e);
    const missing: string[] = [];
    const backend = (x: Obj, b: Json) => {
      const ns = b.namespace ?? x.namespace;
      const ok = b.kind === 'TraefikService' ? find(s, 'TraefikService', ns, b.name) : service(s, ns, b.name);
      if (!ok) missing.push(`${where(x)} -> ${b.kind ?? 'Service'} ${ns}/${b.name}`);
    };
    for (const t of of(s, 'TraefikService')) for (const b of t.o.spec.weighted?.services ?? []) backend(t, b);
    for (const r of of(s, 'IngressRoute')) {
      for (const route of r.o.spec.routes as Json[]) {
        for (const b of route.services ?? []) backend(r, b);
        for (const m of route.middlewares ?? [])
          if (!find(s, 'Middleware', m.namespace ?? r.namespace, m.name))
            missing.push(`${where(r)} middleware ${m.namespace ?? r.namespace}/${m.name}`);
      }
    }
    expect(missing).toEqual([]);
  });

  it('every ServiceMonitor selects a Service with the named ports, in a namespace Prometheus watches', () => {
    const s = stack(e);
    const missing: string[] = [];
    const prometheus = of(s, 'Prometheus');
    const nsLabels = (ns: string) => find(s, 'Namespace', '', ns)?.o.metadata.labels ?? undefined;
    for (const m of of(s, 'ServiceMonitor')) {
      const namespaces: string[] = m.o.spec.namespaceSelector?.matchNames ?? [m.namespace];
      const targets = s.services.filter(
        (svc) => namespaces.includes(svc.namespace) && matches(m.o.spec.selector.matchLabels ?? {}, svc.labels),
      );
      if (targets.length === 0) missing.push(`${where(m)} selects no Service`);
      if (targets.length > 1)
        missing.push(`${where(m)} selects ${targets.length} Services (each target scraped twice)`);
      for (const ep of m.o.spec.endpoints as Json[])
        if (!targets.some((t) => t.ports.includes(ep.port))) missing.push(`${where(m)} port ${ep.port}`);
      // some Prometheus picks the ServiceMonitor up
      const labels = nsLabels(m.namespace);
      const picked = prometheus.some(
        (p) =>
          labels &&
          matches(p.o.spec.serviceMonitorNamespaceSelector?.matchLabels ?? {}, labels) &&
          matches(p.o.spec.serviceMonitorSelector?.matchLabels ?? {}, m.o.metadata.labels ?? {}),
      );
      if (!picked) missing.push(`${where(m)} is picked up by no Prometheus`);
    }
    expect(missing).toEqual([]);
    expect(of(s, 'ServiceMonitor').length).toBeGreaterThanOrEqual(e === 'dev' ? 6 : 7);
  });

  it('every PodMonitor selects pods with the named port, in a namespace Prometheus watches', () => {
    const s = stack(e);
    const missing: string[] = [];
    for (const m of of(s, 'PodMonitor')) {
      const namespaces: string[] = m.o.spec.namespaceSelector?.matchNames ?? [m.namespace];
      const targets = s.pods.filter(
        (p) => namespaces.includes(p.namespace) && matches(m.o.spec.selector.matchLabels ?? {}, p.labels),
      );
      if (targets.length === 0) missing.push(`${where(m)} selects no pods`);
      for (const ep of m.o.spec.podMetricsEndpoints as Json[])
        if (!targets.some((t) => t.ports?.includes(ep.port))) missing.push(`${where(m)} port ${ep.port}`);
      const labels = find(s, 'Namespace', '', m.namespace)?.o.metadata.labels;
      if (
        !of(s, 'Prometheus').some(
          (p) => labels && matches(p.o.spec.podMonitorNamespaceSelector?.matchLabels ?? {}, labels),
        )
      )
        missing.push(`${where(m)} is picked up by no Prometheus`);
    }
    expect(missing).toEqual([]);
    expect(of(s, 'PodMonitor').map((m) => m.name)).toEqual(['data-tier-dragonfly']);
  });

  it('Prometheus sends alerts to an Alertmanager Service port that exists, and its rules are picked up', () => {
    const s = stack(e);
    for (const p of of(s, 'Prometheus')) {
      for (const am of p.o.spec.alerting.alertmanagers as Json[]) {
        const svc = service(s, am.namespace, am.name);
        expect(svc?.ports, `${am.namespace}/${am.name}`).toContain(am.port);
      }
      for (const r of of(s, 'PrometheusRule')) {
        const labels = find(s, 'Namespace', '', r.namespace)?.o.metadata.labels ?? {};
        expect(matches(p.o.spec.ruleNamespaceSelector.matchLabels, labels), r.name).toBe(true);
      }
    }
  });
});
