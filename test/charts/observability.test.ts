import { lint } from '@kosmos/helm';
import type { KubeObject } from '@kosmos/objects';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  buildDeps,
  chartDir,
  envs,
  envValues,
  find,
  type Json,
  mebibytes,
  millicores,
  ofKind,
  renderer,
  schemaError,
} from './helpers.ts';
import { type Container, releaseViolations, workloadPods } from './pod-security.ts';

// biome-ignore lint/suspicious/noExplicitAny: parsed config files are untyped, read field by field
const parseYaml = (s: string): any => parse(s);

const chart = chartDir('observability');
const render = renderer('observability', 'kosmos-observability');
const PROMETHEUS_RULE_API = 'monitoring.coreos.com/v1/PrometheusRule';

let defaults: KubeObject[];
const byEnv: Record<string, KubeObject[]> = {};

beforeAll(async () => {
  await buildDeps('observability');
  defaults = await render();
  for (const env of envs) byEnv[env] = await render({ env });
}, 120_000);

const workload = (objs: KubeObject[], component: string): Json =>
  objs.find(
    (o) => ['Deployment', 'StatefulSet'].includes(o.kind) && o.metadata.name === `observability-${component}`,
  ) as Json;
const mainContainer = (objs: KubeObject[], component: string): Container => {
  const w = workload(objs, component);
  if (!w) throw new Error(`no workload for ${component}`);
  return (w.spec.template.spec.containers as Container[])[0] as Container;
};
type Rule = { alert: string; expr: string; for: string; labels: { severity: string } };
const rulesOf = (groups: Array<{ rules: Rule[] }>): Record<string, Rule> =>
  Object.fromEntries(groups.flatMap((g) => g.rules).map((r) => [r.alert, r]));

describe('observability: helm lint --strict', () => {
  it.each(envs)('passes with environments/%s values', async (env) => {
    const r = await lint({ chart, valuesFiles: [envValues(env, 'observability')], strict: true });
    expect(r.ok, r.output).toBe(true);
  });
  it('passes with the chart defaults', async () => {
    expect((await lint({ chart, strict: true })).ok).toBe(true);
  });
});

describe('observability: components', () => {
  const components = ['prometheus', 'kube-state-metrics', 'alertmanager', 'grafana', 'loki', 'jaeger', 'langfuse'];

  it('renders every component with a Service, a dedicated ServiceAccount, a PDB, resources and all three probes', () => {
    for (const c of components) {
      const w = workload(defaults, c);
      expect(w, c).toBeDefined();
      expect(w.spec.template.spec.serviceAccountName).toBe(`observability-${c}`);
      find(defaults, 'ServiceAccount', `observability-${c}`);
      find(defaults, 'Service', `observability-${c}`);
      find(defaults, 'PodDisruptionBudget', `observability-${c}`);
      const main = mainContainer(defaults, c);
      expect(main.resources?.limits?.cpu, c).toBeDefined();
      expect(main.resources?.requests?.memory, c).toBeDefined();
      for (const p of ['livenessProbe', 'readinessProbe', 'startupProbe'] as const)
        expect(main[p], `${c} ${p}`).toBeDefined();
    }
  });

  it('every component can be switched off', async () => {
    const off = Object.fromEntries(
      components.map((c) => [`${c === 'kube-state-metrics' ? 'kubeStateMetrics' : c}.enabled`, false]),
    );
    const objs = await render({ set: off });
    expect(objs.filter((o) => ['Deployment', 'StatefulSet', 'ClusterRole', 'ConfigMap'].includes(o.kind))).toEqual([]);
  });

  it('only Prometheus and kube-state-metrics mount an API token', () => {
    const withToken = workloadPods(defaults)
      .filter((p) => p.spec.automountServiceAccountToken !== false)
      .map((p) => p.owner)
      .sort();
    expect(withToken).toEqual(['Deployment/observability-kube-state-metrics', 'StatefulSet/observability-prometheus']);
  });

  it('Prometheus ClusterRole is read-only and bound to its ServiceAccount', () => {
    const role = find(defaults, 'ClusterRole', 'kosmos-observability-observability-prometheus');
    expect(role.metadata.namespace).toBeUndefined();
    const verbs = new Set((role.rules as Json[]).flatMap((r) => r.verbs as string[]));
    expect([...verbs].sort()).toEqual(['get', 'list', 'watch']);
    const resources = (role.rules as Json[]).flatMap((r) => (r.resources as string[] | undefined) ?? []);
    for (const r of ['pods', 'nodes', 'endpoints']) expect(resources).toContain(r);
    const binding = find(defaults, 'ClusterRoleBinding', 'kosmos-observability-observability-prometheus');
    expect(binding.roleRef.name).toBe(role.metadata.name);
    expect(binding.subjects).toEqual([
      { kind: 'ServiceAccount', name: 'observability-prometheus', namespace: 'kosmos-observability' },
    ]);
    const ksm = find(defaults, 'ClusterRole', 'kosmos-observability-observability-kube-state-metrics');
    expect(new Set((ksm.rules as Json[]).flatMap((r) => r.verbs as string[]))).toEqual(new Set(['list', 'watch']));
  });

  it('uses upstream images at pinned tags', () => {
    const images = workloadPods(defaults).flatMap((p) => p.spec.containers.map((c) => c.image ?? ''));
    expect(images).toHaveLength(components.length);
    for (const i of images) {
      expect(i).toMatch(/:[^:]*\d[^:]*$/);
      expect(i).not.toMatch(/:latest$|bitnami/);
    }
  });

  it('production limits fit the kosmos-observability quota (limits 2 CPU / 4Gi)', () => {
    let cpu = 0;
    let mem = 0;
    for (const o of byEnv.production ?? []) {
      if (!['Deployment', 'StatefulSet'].includes(o.kind)) continue;
      const w = o as Json;
      for (const c of w.spec.template.spec.containers as Container[]) {
        cpu += w.spec.replicas * millicores(c.resources?.limits?.cpu ?? 'NaN');
        mem += w.spec.replicas * mebibytes(c.resources?.limits?.memory ?? 'NaN');
      }
      // With a limits quota there is no room for surge pods.
      if (o.kind === 'Deployment') expect(w.spec.strategy.rollingUpdate.maxSurge, o.metadata.name).toBe(0);
    }
    expect(cpu).toBeLessThanOrEqual(2000);
    expect(mem).toBeLessThanOrEqual(4096);
  });
});

describe('observability: Prometheus', () => {
  it('retention, scrape interval and storage come from values', () => {
    const prod = byEnv.production ?? [];
    const args = mainContainer(prod, 'prometheus').args ?? [];
    expect(args).toContain('--storage.tsdb.retention.time=15d');
    expect(args).toContain('--storage.tsdb.retention.size=18GB');
    const claim = workload(prod, 'prometheus').spec.volumeClaimTemplates[0];
    expect(claim.spec.storageClassName).toBe('local-path-retain');
    expect(claim.spec.resources.requests.storage).toBe('20Gi');
    expect(mainContainer(byEnv.dev ?? [], 'prometheus').args).toContain('--storage.tsdb.retention.time=2d');
  });

  it('probes /-/healthy and /-/ready on 9090', () => {
    const c = mainContainer(defaults, 'prometheus');
    expect((c.livenessProbe as Json).httpGet.path).toBe('/-/healthy');
    expect((c.readinessProbe as Json).httpGet.path).toBe('/-/ready');
    expect(c.ports?.find((p) => p.name === (c.readinessProbe as Json).httpGet.port)?.containerPort).toBe(9090);
  });

  it('scrapes Kubernetes, kube-state-metrics, the agents and the data tier, and sends alerts to Alertmanager', () => {
    const conf = parseYaml(find(defaults, 'ConfigMap', 'observability-prometheus').data['prometheus.yml']);
    expect(conf.global.scrape_interval).toBe('30s');
    const jobs = (conf.scrape_configs as Json[]).map((j) => j.job_name);
    for (const j of [
      'prometheus',
      'kube-state-metrics',
      'kubernetes-apiservers',
      'kubernetes-nodes',
      'kubernetes-cadvisor',
      'kosmos-agents',
      'kosmos-db-dragonfly',
      'kosmos-db-minio',
      'node-exporter',
    ]) {
      expect(jobs).toContain(j);
    }
    const agents = (conf.scrape_configs as Json[]).find((j) => j.job_name === 'kosmos-agents') as Json;
    expect(agents.kubernetes_sd_configs[0].namespaces.names).toEqual(['kosmos-core']);
    expect(agents.relabel_configs[0].regex).toBe('kosmos;8000');
    expect(conf.alerting.alertmanagers[0].static_configs[0].targets).toEqual([
      'observability-alertmanager.kosmos-observability.svc:9093',
    ]);
    expect(conf.rule_files).toEqual(['/etc/prometheus/rules/*.yaml']);
  });
});

describe('observability: alert rules (seeds/000 and seeds/003)', () => {
  let rules: Record<string, Rule>;
  beforeAll(() => {
    const cm = find(defaults, 'ConfigMap', 'observability-prometheus-rules');
    rules = rulesOf(parseYaml(cm.data['kosmos.yaml']).groups);
  });

  it('failed pods: > 0 for 5m, critical', () => {
    expect(rules.KubePodFailed?.expr).toMatch(/kube_pod_status_phase\{phase="Failed"\}\) > 0$/);
    expect(rules.KubePodFailed?.for).toBe('5m');
    expect(rules.KubePodFailed?.labels.severity).toBe('critical');
  });
  it('replicas unavailable: > 0 for 10m, warning', () => {
    expect(rules.KubeDeploymentReplicasUnavailable?.expr).toBe('kube_deployment_status_replicas_unavailable > 0');
    expect(rules.KubeDeploymentReplicasUnavailable?.for).toBe('10m');
    expect(rules.KubeDeploymentReplicasUnavailable?.labels.severity).toBe('warning');
  });
  it('node memory < 1Gi, critical', () => {
    expect(rules.NodeMemoryLow?.expr).toBe(`node_memory_MemAvailable_bytes < ${1024 ** 3}`);
    expect(rules.NodeMemoryLow?.labels.severity).toBe('critical');
  });
  it('filesystem < 10Gi and < 10% free, warning', () => {
    expect(rules.NodeFilesystemLow?.expr).toMatch(
      new RegExp(`node_filesystem_avail_bytes\\{[^}]*\\} < ${10 * 1024 ** 3}$`),
    );
    expect(rules.NodeFilesystemLow?.labels.severity).toBe('warning');
    expect(rules.NodeFilesystemLowPercent?.expr).toMatch(
      /node_filesystem_avail_bytes\{[^}]*\} \/ node_filesystem_size_bytes\{[^}]*\} \* 100 < 10$/,
    );
  });
  it('restarts > 5 in 1h, warning', () => {
    expect(rules.KubePodRestartLoop?.expr).toBe('increase(kube_pod_container_status_restarts_total[1h]) > 5');
    expect(rules.KubePodRestartLoop?.labels.severity).toBe('warning');
  });
  it('CPU and memory > 80% for 5m', () => {
    expect(rules.NodeHighCpu?.expr).toBe(
      '100 - (avg by (instance) (rate(node_cpu_seconds_total{mode="idle"}[5m])) * 100) > 80',
    );
    expect(rules.NodeHighCpu?.for).toBe('5m');
    expect(rules.NodeHighMemory?.expr).toBe(
      '(1 - (node_memory_MemAvailable_bytes / node_memory_MemTotal_bytes)) * 100 > 80',
    );
    expect(rules.NodeHighMemory?.for).toBe('5m');
  });
  it('node down and certificate expiry', () => {
    expect(rules.KubeNodeNotReady?.expr).toBe('kube_node_status_condition{condition="Ready",status="true"} == 0');
    expect(rules.NodeDown?.labels.severity).toBe('critical');
    expect(rules.CertificateExpiringSoon?.expr).toBe(
      `(certmanager_certificate_expiration_timestamp_seconds - time()) < ${14 * 86400}`,
    );
  });

  it('thresholds and durations come from values', async () => {
    const objs = await render({
      set: {
        'prometheus.alertRules.highCpu.thresholdPercent': 90,
        'prometheus.alertRules.highCpu.for': '15m',
        'prometheus.alertRules.podRestarts.threshold': 3,
        'prometheus.alertRules.nodeDown.enabled': false,
      },
    });
    const r = rulesOf(parseYaml(find(objs, 'ConfigMap', 'observability-prometheus-rules').data['kosmos.yaml']).groups);
    expect(r.NodeHighCpu?.expr).toMatch(/ > 90$/);
    expect(r.NodeHighCpu?.for).toBe('15m');
    expect(r.KubePodRestartLoop?.expr).toMatch(/ > 3$/);
    expect(r.KubeNodeNotReady).toBeUndefined();
  });

  it('a PrometheusRule with the same groups appears when the API exists, or when asked for', async () => {
    expect(ofKind(defaults, 'PrometheusRule')).toHaveLength(0);
    const withApi = await render({ apiVersions: [PROMETHEUS_RULE_API] });
    const pr = find(withApi, 'PrometheusRule', 'observability-prometheus');
    expect(pr.apiVersion).toBe('monitoring.coreos.com/v1');
    expect(pr.spec.groups).toEqual(
      parseYaml(find(withApi, 'ConfigMap', 'observability-prometheus-rules').data['kosmos.yaml']).groups,
    );
    const asked = await render({ set: { 'prometheus.prometheusRule.enabled': true } });
    expect(rulesOf(find(asked, 'PrometheusRule', 'observability-prometheus').spec.groups).KubePodFailed?.for).toBe(
      '5m',
    );
  });
});

describe('observability: Grafana', () => {
  it('provisions Prometheus, Loki and Jaeger datasources pointing at the in-chart services', () => {
    const cm = find(defaults, 'ConfigMap', 'observability-grafana-provisioning');
    const ds = parseYaml(cm.data['datasources.yaml']).datasources as Json[];
    expect(ds.map((d) => d.type)).toEqual(['prometheus', 'loki', 'jaeger']);
    expect(ds.find((d) => d.type === 'prometheus')?.url).toBe(
      'http://observability-prometheus.kosmos-observability.svc:9090',
    );
    expect(ds.find((d) => d.type === 'loki')?.url).toBe('http://observability-loki.kosmos-observability.svc:3100');
    expect(ds.find((d) => d.type === 'jaeger')?.url).toBe('http://observability-jaeger.kosmos-observability.svc:16686');
    expect(ds.filter((d) => d.isDefault)).toHaveLength(1);
  });

  it('ships a cluster and an agents dashboard as valid JSON whose panels query the datasources', () => {
    const cm = find(defaults, 'ConfigMap', 'observability-grafana-dashboards');
    expect(Object.keys(cm.data).sort()).toEqual(['agents.json', 'cluster.json']);
    for (const [file, text] of Object.entries(cm.data as Record<string, string>)) {
      const d = JSON.parse(text);
      expect(d.uid, file).toMatch(/^kosmos-/);
      expect(d.panels.length, file).toBeGreaterThanOrEqual(6);
      for (const p of d.panels) expect(p.targets[0].expr, `${file} ${p.title}`).toMatch(/\w+/);
    }
    const agents = JSON.parse(cm.data['agents.json']);
    expect(JSON.stringify(agents.templating)).toContain('kosmos-core');
  });

  it('takes the admin credentials from an existing Secret', () => {
    const env = mainContainer(defaults, 'grafana').env ?? [];
    expect(env.find((e) => e.name === 'GF_SECURITY_ADMIN_PASSWORD')?.valueFrom?.secretKeyRef).toEqual({
      name: 'kosmos-grafana-admin',
      key: 'admin-password',
    });
  });
});

describe('observability: Loki, Jaeger, Langfuse', () => {
  it('Loki deletes logs after the retention, on a local-path-retain claim', () => {
    const conf = parseYaml(find(defaults, 'ConfigMap', 'observability-loki').data['loki.yaml']);
    expect(conf.limits_config.retention_period).toBe('168h');
    expect(conf.compactor.retention_enabled).toBe(true);
    expect(workload(defaults, 'loki').spec.volumeClaimTemplates[0].spec.storageClassName).toBe('local-path-retain');
  });

  it('Jaeger receives OTLP and reports health on /status', () => {
    const conf = parseYaml(find(defaults, 'ConfigMap', 'observability-jaeger').data['config.yaml']);
    expect(conf.receivers.otlp.protocols.grpc.endpoint).toBe('0.0.0.0:4317');
    expect(conf.extensions.healthcheckv2.http.endpoint).toBe('0.0.0.0:13133');
    const c = mainContainer(defaults, 'jaeger');
    expect((c.livenessProbe as Json).httpGet).toEqual({ path: '/status', port: 'health' });
  });

  it('Langfuse gets its database URL and secrets by Secret reference only', () => {
    const env = mainContainer(defaults, 'langfuse').env ?? [];
    for (const n of ['DATABASE_URL', 'NEXTAUTH_SECRET', 'SALT']) {
      const e = env.find((x) => x.name === n);
      expect(e?.value, n).toBeUndefined();
      expect((e?.valueFrom?.secretKeyRef as Json | undefined)?.name, n).toBe('kosmos-langfuse-credentials');
    }
    expect(ofKind(defaults, 'Secret')).toHaveLength(0);
  });
});

describe('observability: Pod Security restricted', () => {
  it.each(envs)('every pod template of %s passes the restricted checks', (env) => {
    // Langfuse is the one image not known to run on a read-only root filesystem.
    const violations = releaseViolations(byEnv[env] ?? []);
    expect(violations).toEqual([
      'Deployment/observability-langfuse: container langfuse has a writable root filesystem',
    ]);
    expect(releaseViolations(byEnv[env] ?? [], { readOnlyRootFilesystem: false })).toEqual([]);
  });
  it('the checker catches a weakened pod', async () => {
    const objs = await render({ set: { 'grafana.containerSecurityContext.readOnlyRootFilesystem': false } });
    expect(releaseViolations(objs)).toContain(
      'Deployment/observability-grafana: container grafana has a writable root filesystem',
    );
  });
});

describe('observability: values.schema.json', () => {
  it('rejects an unknown key, naming it', async () => {
    expect(await schemaError(() => render({ set: { 'grafana.adminPassword': 'x' } }))).toMatch(
      /\/grafana.*additional properties 'adminPassword' not allowed/,
    );
  });
  it('rejects an unknown key deep in the alert rules, naming it', async () => {
    expect(await schemaError(() => render({ set: { 'prometheus.alertRules.highCpu.threshold': 90 } }))).toMatch(
      /\/prometheus\/alertRules\/highCpu.*additional properties 'threshold' not allowed/,
    );
  });
  it('rejects a wrong type, naming the key', async () => {
    expect(
      await schemaError(() => render({ set: { 'prometheus.alertRules.highCpu.thresholdPercent': 'high' } })),
    ).toMatch(/\/prometheus\/alertRules\/highCpu\/thresholdPercent.*want integer/);
  });
  it('rejects a malformed retention', async () => {
    expect(await schemaError(() => render({ set: { 'prometheus.retention': 'two weeks' } }))).toMatch(
      /\/prometheus\/retention/,
    );
  });
  it('accepts global and enabled', async () => {
    await expect(render({ set: { 'global.imageRegistry': 'mirror.local', enabled: true } })).resolves.toBeDefined();
  });
});
