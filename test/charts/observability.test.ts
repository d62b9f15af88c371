import { readFileSync } from 'node:fs';
import { join } from 'node:path';
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
  root,
  schemaError,
} from './helpers.ts';
import { type Container, releaseViolations, restrictedViolations, workloadPods } from './pod-security.ts';

// biome-ignore lint/suspicious/noExplicitAny: parsed config files are untyped, read field by field
const parseYaml = (s: string): any => parse(s);

const chart = chartDir('observability');
const render = renderer('observability', 'kosmos-observability');

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
  // Workloads of this chart itself; Prometheus and Alertmanager are the operator's resources.
  const components = ['kube-state-metrics', 'grafana', 'loki', 'jaeger', 'langfuse'];

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
    for (const c of ['prometheus', 'alertmanager']) {
      find(defaults, 'ServiceAccount', `observability-${c}`);
      find(defaults, 'Service', `observability-${c}`);
      find(defaults, 'PodDisruptionBudget', `observability-${c}`);
    }
  });

  it('every component can be switched off', async () => {
    const off = Object.fromEntries(
      [...components, 'prometheus', 'alertmanager', 'nodeExporter', 'logShipper'].map((c) => [
        `${c === 'kube-state-metrics' ? 'kubeStateMetrics' : c}.enabled`,
        false,
      ]),
    );
    const objs = await render({ set: { ...off, 'serviceMonitors.enabled': false } });
    expect(
      objs.filter((o) =>
        [
          'Deployment',
          'StatefulSet',
          'DaemonSet',
          'ClusterRole',
          'ConfigMap',
          'Prometheus',
          'Alertmanager',
          'PrometheusRule',
          'ServiceMonitor',
        ].includes(o.kind),
      ),
    ).toEqual([]);
  });

  it('only Prometheus, kube-state-metrics and the log shipper mount an API token', () => {
    const withToken = workloadPods(defaults)
      .filter((p) => p.spec.automountServiceAccountToken !== false)
      .map((p) => p.owner)
      .sort();
    expect(withToken).toEqual(['DaemonSet/observability-log-shipper', 'Deployment/observability-kube-state-metrics']);
    expect(find(defaults, 'Prometheus', 'observability-prometheus').spec.automountServiceAccountToken).toBe(true);
    expect(find(defaults, 'Alertmanager', 'observability-alertmanager').spec.automountServiceAccountToken).toBe(false);
  });

  it('Prometheus ClusterRole is read-only, bound to its ServiceAccount, and has no nodes/proxy', () => {
    const role = find(defaults, 'ClusterRole', 'kosmos-observability-observability-prometheus');
    expect(role.metadata.namespace).toBeUndefined();
    const verbs = new Set((role.rules as Json[]).flatMap((r) => r.verbs as string[]));
    expect([...verbs].sort()).toEqual(['get', 'list', 'watch']);
    const resources = (role.rules as Json[]).flatMap((r) => (r.resources as string[] | undefined) ?? []);
    for (const r of ['pods', 'nodes', 'nodes/metrics', 'endpoints']) expect(resources).toContain(r);
    // nodes/proxy lets a token run commands in any pod through the kubelet API.
    expect(resources).not.toContain('nodes/proxy');
    expect(resources.filter((r) => r.startsWith('nodes/'))).toEqual(['nodes/metrics']);
    const binding = find(defaults, 'ClusterRoleBinding', 'kosmos-observability-observability-prometheus');
    expect(binding.roleRef.name).toBe(role.metadata.name);
    expect(binding.subjects).toEqual([
      { kind: 'ServiceAccount', name: 'observability-prometheus', namespace: 'kosmos-observability' },
    ]);
    expect(find(defaults, 'Prometheus', 'observability-prometheus').spec.serviceAccountName).toBe(
      'observability-prometheus',
    );
  });

  it('kube-state-metrics: the --resources flag and the ClusterRole name the same resources, and no Secrets', () => {
    const args = mainContainer(defaults, 'kube-state-metrics').args ?? [];
    const flag = args.find((a) => a.startsWith('--resources='));
    expect(flag).toBeDefined();
    const collectors = (flag as string).slice('--resources='.length).split(',').sort();
    const ksm = find(defaults, 'ClusterRole', 'kosmos-observability-observability-kube-state-metrics');
    expect(new Set((ksm.rules as Json[]).flatMap((r) => r.verbs as string[]))).toEqual(new Set(['list', 'watch']));
    const granted = (ksm.rules as Json[]).flatMap((r) => r.resources as string[]).sort();
    expect(granted).toEqual(collectors);
    expect(granted).not.toContain('secrets');
    // every granted resource sits in the API group kube-state-metrics lists it from
    const group = (res: string) =>
      (ksm.rules as Json[]).find((r) => (r.resources as string[]).includes(res))?.apiGroups;
    expect(group('deployments')).toEqual(['apps']);
    expect(group('cronjobs')).toEqual(['batch']);
    expect(group('endpointslices')).toEqual(['discovery.k8s.io']);
    expect(group('pods')).toEqual(['']);
  });

  it('kube-state-metrics: a collector list change moves the flag and the RBAC together; unknown ones fail', async () => {
    const objs = await render({ set: { 'kubeStateMetrics.collectors': '{pods,nodes,secrets}' } });
    const ksmRole = find(objs, 'ClusterRole', 'kosmos-observability-observability-kube-state-metrics');
    expect((ksmRole.rules as Json[]).flatMap((r) => r.resources as string[]).sort()).toEqual([
      'nodes',
      'pods',
      'secrets',
    ]);
    expect(mainContainer(objs, 'kube-state-metrics').args).toContain('--resources=pods,nodes,secrets');
    expect(await schemaError(() => render({ set: { 'kubeStateMetrics.collectors': '{pods,gadgets}' } }))).toMatch(
      /kubeStateMetrics\/collectors/,
    );
  });

  it('uses upstream images at pinned tags', () => {
    const images = [
      ...workloadPods(defaults).flatMap((p) => p.spec.containers.map((c) => c.image ?? '')),
      find(defaults, 'Prometheus', 'observability-prometheus').spec.image,
      find(defaults, 'Alertmanager', 'observability-alertmanager').spec.image,
    ];
    expect(images).toHaveLength(components.length + 4);
    for (const i of images) {
      expect(i).toMatch(/:[^:]*\d[^:]*$/);
      expect(i).not.toMatch(/:latest$|bitnami|promtail/);
    }
  });
});

/** Pods the operator will create for a Prometheus or Alertmanager resource: replicas x (main + config reloader). */
function operatedLimits(o: Json): { cpu: number; mem: number } {
  const reloader = (o.spec.containers as Json[]).find((c) => c.name === 'config-reloader')?.resources;
  return {
    cpu: o.spec.replicas * (millicores(o.spec.resources.limits.cpu) + millicores(reloader.limits.cpu)),
    mem: o.spec.replicas * (mebibytes(o.spec.resources.limits.memory) + mebibytes(reloader.limits.memory)),
  };
}

describe('observability: capacity', () => {
  it('production limits, the operator and its surge pod fit the kosmos-observability quota (limits 3 CPU / 5Gi)', () => {
    let cpu = 0;
    let mem = 0;
    for (const o of byEnv.production ?? []) {
      if (o.metadata.namespace !== 'kosmos-observability') continue;
      const w = o as Json;
      if (['Deployment', 'StatefulSet'].includes(o.kind)) {
        for (const c of w.spec.template.spec.containers as Container[]) {
          cpu += w.spec.replicas * millicores(c.resources?.limits?.cpu ?? 'NaN');
          mem += w.spec.replicas * mebibytes(c.resources?.limits?.memory ?? 'NaN');
        }
        // With a limits quota there is no room for surge pods.
        if (o.kind === 'Deployment') expect(w.spec.strategy.rollingUpdate.maxSurge, o.metadata.name).toBe(0);
      }
      if (['Prometheus', 'Alertmanager'].includes(o.kind)) {
        const l = operatedLimits(w);
        cpu += l.cpu;
        mem += l.mem;
      }
    }
    // environments/production/values/prometheus-operator.yaml: 200m/256Mi, plus one surge pod
    const operator = parseYaml(
      readFileSync(join(root, 'environments/production/values/prometheus-operator.yaml'), 'utf8'),
    );
    cpu += 2 * millicores(operator.prometheusOperator.resources.limits.cpu);
    mem += 2 * mebibytes(operator.prometheusOperator.resources.limits.memory);
    expect(cpu).toBeLessThanOrEqual(3000);
    expect(mem).toBeLessThanOrEqual(5 * 1024);
  });

  it('config reloaders and every container stay inside the LimitRange (min 50m / 64Mi)', () => {
    for (const env of envs) {
      for (const kind of ['Prometheus', 'Alertmanager']) {
        const o = ofKind(byEnv[env] ?? [], kind)[0] as Json;
        for (const c of [...(o.spec.containers as Json[]), ...(o.spec.initContainers as Json[])]) {
          if (!c.resources) continue;
          expect(millicores(c.resources.requests.cpu), `${env} ${kind} ${c.name}`).toBeGreaterThanOrEqual(50);
          expect(mebibytes(c.resources.requests.memory), `${env} ${kind} ${c.name}`).toBeGreaterThanOrEqual(64);
        }
        expect((o.spec.initContainers as Json[]).map((c) => c.name)).toEqual(['init-config-reloader']);
        expect((o.spec.containers as Json[]).map((c) => c.name)).toContain('config-reloader');
      }
    }
  });

  it('claims: Prometheus 8Gi (retention size 6GB below it) and Loki 5Gi in staging and production', () => {
    for (const env of ['staging', 'production'] as const) {
      const p = find(byEnv[env] ?? [], 'Prometheus', 'observability-prometheus');
      expect(p.spec.storage.volumeClaimTemplate.spec.resources.requests.storage).toBe('8Gi');
      expect(p.spec.storage.volumeClaimTemplate.spec.storageClassName).toBe('local-path-retain');
      expect(p.spec.retentionSize).toBe('6GB');
      expect(workload(byEnv[env] ?? [], 'loki').spec.volumeClaimTemplates[0].spec.resources.requests.storage).toBe(
        '5Gi',
      );
    }
  });
});

describe('observability: Prometheus through the operator', () => {
  it('a Prometheus resource with retention, scrape interval and storage from values', () => {
    const prod = find(byEnv.production ?? [], 'Prometheus', 'observability-prometheus');
    expect(prod.apiVersion).toBe('monitoring.coreos.com/v1');
    expect(prod.spec.retention).toBe('15d');
    expect(prod.spec.scrapeInterval).toBe('30s');
    expect(prod.spec.version).toBe('v3.5.0');
    expect(prod.spec.enableAdminAPI).toBe(false);
    expect(find(byEnv.dev ?? [], 'Prometheus', 'observability-prometheus').spec.retention).toBe('2d');
    // no static configuration any more
    expect(ofKind(defaults, 'ConfigMap').map((c) => c.metadata.name)).not.toContain('observability-prometheus');
    expect(ofKind(defaults, 'StatefulSet').map((c) => c.metadata.name)).toEqual(['observability-loki']);
  });

  it('selects monitors and rules in every namespace labelled part-of kosmos, and the PrometheusRule matches', () => {
    const p = find(defaults, 'Prometheus', 'observability-prometheus').spec;
    for (const f of ['serviceMonitor', 'podMonitor', 'rule']) {
      expect(p[`${f}Selector`], f).toEqual({});
      expect(p[`${f}NamespaceSelector`], f).toEqual({ matchLabels: { 'app.kubernetes.io/part-of': 'kosmos' } });
    }
    const rule = find(defaults, 'PrometheusRule', 'observability-prometheus');
    expect(rule.metadata.namespace).toBe('kosmos-observability');
  });

  it('sends alerts to every Alertmanager replica: endpoints of the Alertmanager Service, API v2', () => {
    const p = find(byEnv.production ?? [], 'Prometheus', 'observability-prometheus').spec;
    expect(p.alerting.alertmanagers).toEqual([
      { namespace: 'kosmos-observability', name: 'observability-alertmanager', port: 'web', apiVersion: 'v2' },
    ]);
    const svc = find(byEnv.production ?? [], 'Service', 'observability-alertmanager');
    expect(svc.spec.selector).toEqual({
      'app.kubernetes.io/name': 'alertmanager',
      alertmanager: 'observability-alertmanager',
    });
    expect(svc.spec.ports).toEqual([{ name: 'web', port: 9093, targetPort: 'web', protocol: 'TCP' }]);
    expect(find(byEnv.production ?? [], 'Alertmanager', 'observability-alertmanager').spec.replicas).toBe(2);
  });

  it('the stable Prometheus Service: observability-prometheus:9090 on the operator pods', () => {
    const svc = find(defaults, 'Service', 'observability-prometheus');
    expect(svc.spec.selector).toEqual({
      'app.kubernetes.io/name': 'prometheus',
      prometheus: 'observability-prometheus',
    });
    expect(svc.spec.ports).toEqual([{ name: 'web', port: 9090, targetPort: 'web', protocol: 'TCP' }]);
    const pdb = find(defaults, 'PodDisruptionBudget', 'observability-prometheus');
    expect(pdb.spec.selector.matchLabels).toEqual(svc.spec.selector);
  });

  it('Alertmanager receivers come from an existing Secret, by reference only', async () => {
    const am = find(defaults, 'Alertmanager', 'observability-alertmanager');
    expect(am.spec.configSecret).toBe('kosmos-alertmanager-config');
    expect(ofKind(defaults, 'Secret')).toHaveLength(0);
    expect(ofKind(defaults, 'ConfigMap').map((c) => c.metadata.name)).not.toContain('observability-alertmanager');
    expect(await schemaError(() => render({ set: { 'alertmanager.config.receivers': 'x' } }))).toMatch(
      /additional properties 'config' not allowed/,
    );
  });

  it('ServiceMonitors: the chart components, node-exporter, the log shipper, kubelets (no proxy) and the API server', () => {
    const sms = Object.fromEntries(ofKind(defaults, 'ServiceMonitor').map((s) => [s.metadata.name, s]));
    expect(Object.keys(sms).sort()).toEqual(
      ['alertmanager', 'apiserver', 'kube-state-metrics', 'kubelet', 'log-shipper', 'node-exporter', 'prometheus'].map(
        (n) => `observability-${n}`,
      ),
    );
    const kubelet = sms['observability-kubelet'] as Json;
    expect(kubelet.spec.namespaceSelector.matchNames).toEqual(['kube-system']);
    expect(kubelet.spec.endpoints.map((e: Json) => e.path)).toEqual(['/metrics', '/metrics/cadvisor']);
    for (const e of kubelet.spec.endpoints) {
      expect(e.port).toBe('https-metrics');
      expect(e.scheme).toBe('https');
    }
    expect((sms['observability-node-exporter'] as Json).spec.namespaceSelector.matchNames).toEqual([
      'kosmos-node-exporter',
    ]);
    // job names the NodeDown rule matches
    expect((sms['observability-node-exporter'] as Json).spec.jobLabel).toBe('app.kubernetes.io/component');
    expect(kubelet.spec.jobLabel).toBe('k8s-app');
  });
});

describe('observability: node-exporter and the log shipper', () => {
  it('each runs as a DaemonSet in its own namespace, with nothing else there', () => {
    const inNs = (ns: string) => (byEnv.production ?? []).filter((o) => o.metadata.namespace === ns);
    expect(
      inNs('kosmos-node-exporter')
        .map((o) => `${o.kind}/${o.metadata.name}`)
        .sort(),
    ).toEqual([
      'DaemonSet/observability-node-exporter',
      'Service/observability-node-exporter',
      'ServiceAccount/observability-node-exporter',
    ]);
    expect(
      inNs('kosmos-logs')
        .map((o) => `${o.kind}/${o.metadata.name}`)
        .sort(),
    ).toEqual([
      'ConfigMap/observability-log-shipper',
      'DaemonSet/observability-log-shipper',
      'Service/observability-log-shipper',
      'ServiceAccount/observability-log-shipper',
    ]);
  });

  it('node-exporter: host network, PID and read-only host paths, non-root, no capabilities', () => {
    const ds = find(defaults, 'DaemonSet', 'observability-node-exporter').spec.template.spec;
    expect(ds.hostNetwork).toBe(true);
    expect(ds.hostPID).toBe(true);
    expect(ds.securityContext.runAsNonRoot).toBe(true);
    const c = ds.containers[0];
    expect(c.securityContext).toEqual({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
    });
    expect((c.volumeMounts as Json[]).every((m) => m.readOnly === true)).toBe(true);
    expect(c.image).toBe('quay.io/prometheus/node-exporter:v1.12.1');
    expect(ds.tolerations).toEqual([{ operator: 'Exists' }]);
  });

  it('the log shipper is Fluent Bit (Promtail is end of life), pushing to the Loki Service', () => {
    const ds = find(defaults, 'DaemonSet', 'observability-log-shipper').spec.template.spec;
    expect(ds.containers[0].image).toMatch(/^cr\.fluentbit\.io\/fluent\/fluent-bit:\d/);
    expect(ds.containers[0].securityContext.capabilities).toEqual({ drop: ['ALL'] });
    expect(ds.containers[0].securityContext.readOnlyRootFilesystem).toBe(true);
    const conf = parseYaml(find(defaults, 'ConfigMap', 'observability-log-shipper').data['fluent-bit.yaml']);
    const out = conf.pipeline.outputs[0];
    expect(out.name).toBe('loki');
    expect(out.host).toBe('observability-loki.kosmos-observability.svc');
    expect(out.port).toBe(3100);
    expect(conf.pipeline.inputs[0].path).toBe('/var/log/containers/*.log');
    const logMount = (ds.containers[0].volumeMounts as Json[]).find((m) => m.mountPath === '/var/log');
    expect(logMount?.readOnly).toBe(true);
  });
});

describe('observability: alert rules', () => {
  let rules: Record<string, Rule>;
  beforeAll(() => {
    rules = rulesOf(find(defaults, 'PrometheusRule', 'observability-prometheus').spec.groups);
  });

  it('seeds/000: failed pods > 0 for 5m critical, replicas unavailable > 0 for 10m warning', () => {
    expect(rules.KubePodFailed?.expr).toMatch(/kube_pod_status_phase\{phase="Failed"\}\) > 0$/);
    expect(rules.KubePodFailed?.for).toBe('5m');
    expect(rules.KubePodFailed?.labels.severity).toBe('critical');
    expect(rules.KubeDeploymentReplicasUnavailable?.expr).toBe('kube_deployment_status_replicas_unavailable > 0');
    expect(rules.KubeDeploymentReplicasUnavailable?.for).toBe('10m');
    expect(rules.KubeDeploymentReplicasUnavailable?.labels.severity).toBe('warning');
  });
  it('seeds/000: node memory < 1Gi critical, filesystem < 10Gi and seeds/003 < 10% free', () => {
    expect(rules.NodeMemoryLow?.expr).toBe(`node_memory_MemAvailable_bytes < ${1024 ** 3}`);
    expect(rules.NodeMemoryLow?.labels.severity).toBe('critical');
    expect(rules.NodeFilesystemLow?.expr).toMatch(
      new RegExp(`node_filesystem_avail_bytes\\{[^}]*\\} < ${10 * 1024 ** 3}$`),
    );
    expect(rules.NodeFilesystemLowPercent?.expr).toMatch(
      /node_filesystem_avail_bytes\{[^}]*\} \/ node_filesystem_size_bytes\{[^}]*\} \* 100 < 10$/,
    );
  });
  it('seeds/000 restarts > 5 in 1h; seeds/003 CPU and memory > 80% for 5m', () => {
    expect(rules.KubePodRestartLoop?.expr).toBe('increase(kube_pod_container_status_restarts_total[1h]) > 5');
    expect(rules.KubePodRestartLoop?.for).toBeUndefined();
    expect(rules.NodeHighCpu?.expr).toBe(
      '100 - (avg by (instance) (rate(node_cpu_seconds_total{mode="idle"}[5m])) * 100) > 80',
    );
    expect(rules.NodeHighMemory?.for).toBe('5m');
  });
  it('node down: not Ready, or node-exporter / kubelet targets down', () => {
    expect(rules.KubeNodeNotReady?.expr).toBe('kube_node_status_condition{condition="Ready",status="true"} == 0');
    expect(rules.NodeDown?.expr).toBe('up{job=~"node-exporter|kubelet"} == 0');
    expect(rules.NodeDown?.labels.severity).toBe('critical');
  });
  it('a Watchdog that always fires', () => {
    expect(rules.Watchdog?.expr).toBe('vector(1)');
    expect(rules.Watchdog?.labels.severity).toBe('none');
  });
  it('certificate expiry from the metric Traefik exports for its ACME certificates', () => {
    expect(rules.CertificateExpiringSoon?.expr).toBe(
      `min by (cn, sans, serial) (traefik_tls_certs_not_after) - time() < ${14 * 86400}`,
    );
    expect(JSON.stringify(rules)).not.toContain('certmanager_');
  });
  it('Argo Rollouts: degraded rollouts, failed analyses, missing controller metrics', () => {
    expect(rules.RolloutDegraded?.expr).toBe('rollout_info{phase="Degraded"} == 1');
    expect(rules.RolloutAnalysisFailed?.expr).toBe('analysis_run_info{phase=~"Failed|Error"} == 1');
    expect(rules.RolloutMetricsAbsent?.expr).toBe('absent(rollout_info)');
  });
  it('StatefulSets: missing ready replicas, stuck updates', () => {
    expect(rules.KubeStatefulSetReplicasMismatch?.expr).toBe(
      'kube_statefulset_status_replicas_ready != kube_statefulset_replicas',
    );
    expect(rules.KubeStatefulSetUpdateStuck?.expr).toContain('kube_statefulset_status_update_revision');
  });
  it('the backup CronJob of the data tier: failed job, no success for 26h, never succeeded', () => {
    expect(rules.BackupJobFailed?.expr).toBe(
      'kube_job_status_failed{namespace="kosmos-db",job_name=~"data-tier-backup-[0-9]+"} > 0',
    );
    expect(rules.BackupTooOld?.expr).toBe(
      `time() - kube_cronjob_status_last_successful_time{namespace="kosmos-db",cronjob="data-tier-backup"} > ${26 * 3600}`,
    );
    expect(rules.BackupNeverSucceeded?.for).toBe('26h');
    expect(rules.BackupTooOld?.labels.severity).toBe('critical');
  });

  it('thresholds and durations come from values', async () => {
    const objs = await render({
      set: {
        'prometheus.alertRules.highCpu.thresholdPercent': 90,
        'prometheus.alertRules.highCpu.for': '15m',
        'prometheus.alertRules.podRestarts.threshold': 3,
        'prometheus.alertRules.nodeDown.enabled': false,
        'prometheus.alertRules.backup.maxAgeHours': 50,
      },
    });
    const r = rulesOf(find(objs, 'PrometheusRule', 'observability-prometheus').spec.groups);
    expect(r.NodeHighCpu?.expr).toMatch(/ > 90$/);
    expect(r.NodeHighCpu?.for).toBe('15m');
    expect(r.KubePodRestartLoop?.expr).toMatch(/ > 3$/);
    expect(r.KubeNodeNotReady).toBeUndefined();
    expect(r.BackupTooOld?.expr).toMatch(new RegExp(` > ${50 * 3600}$`));
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

describe('observability: Pod Security', () => {
  const inRelease = (objs: KubeObject[]) =>
    objs.filter((o) => (o.metadata.namespace ?? 'kosmos-observability') === 'kosmos-observability');
  it.each(envs)('every pod template of %s in kosmos-observability passes the restricted checks', (env) => {
    // Langfuse is the one image not known to run on a read-only root filesystem.
    const violations = releaseViolations(inRelease(byEnv[env] ?? []));
    expect(violations).toEqual([
      'Deployment/observability-langfuse: container langfuse has a writable root filesystem',
    ]);
    expect(releaseViolations(inRelease(byEnv[env] ?? []), { readOnlyRootFilesystem: false })).toEqual([]);
  });
  it.each(envs)('%s: the Prometheus and Alertmanager pods the operator creates pass restricted', (env) => {
    for (const kind of ['Prometheus', 'Alertmanager']) {
      const o = ofKind(byEnv[env] ?? [], kind)[0] as Json;
      const spec = {
        securityContext: o.spec.securityContext,
        containers: o.spec.containers,
        initContainers: o.spec.initContainers,
      };
      expect(restrictedViolations(spec as never), kind).toEqual([]);
    }
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
