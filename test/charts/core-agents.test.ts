import { lint } from '@kosmos/helm';
import type { KubeObject } from '@kosmos/objects';
import { beforeAll, describe, expect, it } from 'vitest';
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
import { releaseViolations } from './pod-security.ts';

const render = renderer('core-agents', 'kosmos-core');
const agents = ['athena', 'chronos', 'hermes', 'zeus-orchestrator'];
const container = (d: Json): Json => d.spec.template.spec.containers[0];

let defaults: KubeObject[];
const byEnv: Record<string, KubeObject[]> = {};

beforeAll(async () => {
  await buildDeps('core-agents');
  defaults = await render();
  for (const env of envs) byEnv[env] = await render({ env });
}, 120_000);

describe('core-agents: helm lint --strict', () => {
  it.each(envs)('passes with environments/%s values', async (env) => {
    const r = await lint({
      chart: chartDir('core-agents'),
      valuesFiles: [envValues(env, 'core-agents')],
      strict: true,
    });
    expect(r.ok, r.output).toBe(true);
  });
  it('passes with the chart defaults', async () => {
    const r = await lint({ chart: chartDir('core-agents'), strict: true });
    expect(r.ok, r.output).toBe(true);
  });
});

describe('core-agents: per-agent objects', () => {
  it('renders Deployment, Service, ServiceAccount, Role, RoleBinding, HPA, PDB and NetworkPolicy for each default agent', () => {
    for (const kind of [
      'Deployment',
      'Service',
      'ServiceAccount',
      'Role',
      'RoleBinding',
      'HorizontalPodAutoscaler',
      'PodDisruptionBudget',
      'NetworkPolicy',
    ]) {
      expect(
        ofKind(defaults, kind)
          .map((o) => o.metadata.name)
          .sort(),
        kind,
      ).toEqual(agents);
    }
  });

  it('Zeus is reachable as Service zeus-orchestrator:8000 and selects its own pods only', () => {
    const svc = find(defaults, 'Service', 'zeus-orchestrator');
    expect(svc.spec.ports).toEqual([{ name: 'http', port: 8000, targetPort: 'http', protocol: 'TCP' }]);
    const dep = find(defaults, 'Deployment', 'zeus-orchestrator');
    expect(svc.spec.selector).toEqual(dep.spec.selector.matchLabels);
    expect(dep.spec.selector.matchLabels).toEqual({
      'app.kubernetes.io/name': 'core-agents',
      'app.kubernetes.io/instance': 'core-agents',
      'app.kubernetes.io/component': 'zeus-orchestrator',
    });
    expect(container(dep).ports).toContainEqual({ name: 'http', containerPort: 8000, protocol: 'TCP' });
  });

  it('rolls out with maxSurge 1 / maxUnavailable 0', () => {
    for (const a of agents) {
      expect(find(defaults, 'Deployment', a).spec.strategy).toEqual({
        type: 'RollingUpdate',
        rollingUpdate: { maxSurge: 1, maxUnavailable: 0 },
      });
    }
  });

  it('probes: liveness /health, readiness /ready, startup /health; Zeus 30s and Athena 45s initial delay', () => {
    for (const a of agents) {
      const c = container(find(defaults, 'Deployment', a));
      expect(c.livenessProbe.httpGet).toEqual({ path: '/health', port: 'http' });
      expect(c.readinessProbe.httpGet).toEqual({ path: '/ready', port: 'http' });
      expect(c.startupProbe.httpGet).toEqual({ path: '/health', port: 'http' });
      expect(c.startupProbe.failureThreshold * c.startupProbe.periodSeconds).toBe(300);
      expect(c.readinessProbe.initialDelaySeconds).toBe(5);
    }
    expect(container(find(defaults, 'Deployment', 'zeus-orchestrator')).livenessProbe.initialDelaySeconds).toBe(30);
    expect(container(find(defaults, 'Deployment', 'athena')).livenessProbe.initialDelaySeconds).toBe(45);
  });

  it('a probe can be switched off for one agent only', async () => {
    const objs = await render({ set: { 'agents.hermes.startupProbe.enabled': false } });
    expect(container(find(objs, 'Deployment', 'hermes')).startupProbe).toBeUndefined();
    expect(container(find(objs, 'Deployment', 'chronos')).startupProbe).toBeDefined();
  });

  it('every pod passes Pod Security restricted, with a read-only root and an emptyDir on /tmp', () => {
    expect(releaseViolations(defaults)).toEqual([]);
    for (const env of envs) expect(releaseViolations(byEnv[env] ?? []), env).toEqual([]);
    for (const a of agents) {
      const spec = find(defaults, 'Deployment', a).spec.template.spec;
      expect(spec.securityContext.runAsUser).toBeGreaterThan(0);
      expect(spec.volumes).toContainEqual({ name: 'tmp', emptyDir: { sizeLimit: '256Mi' } });
      expect(spec.containers[0].volumeMounts).toContainEqual({ name: 'tmp', mountPath: '/tmp' });
      expect(spec.serviceAccountName).toBe(a);
    }
  });

  it('Zeus has the seed resources (200m/512Mi -> 1/2Gi); every agent has requests and limits', () => {
    expect(container(find(defaults, 'Deployment', 'zeus-orchestrator')).resources).toEqual({
      requests: { cpu: '200m', memory: '512Mi' },
      limits: { cpu: '1', memory: '2Gi' },
    });
    for (const a of agents) {
      const r = container(find(defaults, 'Deployment', a)).resources;
      expect(r.requests.cpu && r.requests.memory && r.limits.cpu && r.limits.memory, a).toBeTruthy();
    }
  });

  it('HPA: min 2, max 10, CPU 70%, memory 80%, scale-down 300s at 10%/60s, scale-up 100%/15s', () => {
    const hpa = find(defaults, 'HorizontalPodAutoscaler', 'zeus-orchestrator');
    expect(hpa.apiVersion).toBe('autoscaling/v2');
    expect(hpa.spec.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'zeus-orchestrator' });
    expect(hpa.spec.minReplicas).toBe(2);
    expect(hpa.spec.maxReplicas).toBe(10);
    const target = (name: string) => hpa.spec.metrics.find((m: Json) => m.resource.name === name).resource.target;
    expect(target('cpu')).toEqual({ type: 'Utilization', averageUtilization: 70 });
    expect(target('memory')).toEqual({ type: 'Utilization', averageUtilization: 80 });
    expect(hpa.spec.behavior.scaleDown.stabilizationWindowSeconds).toBe(300);
    expect(hpa.spec.behavior.scaleDown.policies).toEqual([{ type: 'Percent', value: 10, periodSeconds: 60 }]);
    expect(hpa.spec.behavior.scaleUp.policies).toEqual([{ type: 'Percent', value: 100, periodSeconds: 15 }]);
    // the HPA owns the replica count
    expect(find(defaults, 'Deployment', 'zeus-orchestrator').spec.replicas).toBeUndefined();
  });

  it('false overrides a default per agent (deep merge): HPA off for hermes only, which then gets replicaCount', async () => {
    const objs = await render({ set: { 'agents.hermes.autoscaling.enabled': false, 'agents.hermes.replicaCount': 4 } });
    expect(ofKind(objs, 'HorizontalPodAutoscaler').map((o) => o.metadata.name)).not.toContain('hermes');
    expect(ofKind(objs, 'HorizontalPodAutoscaler').map((o) => o.metadata.name)).toContain('athena');
    expect(find(objs, 'Deployment', 'hermes').spec.replicas).toBe(4);
  });

  it('PDB defaults to maxUnavailable 1 and takes minAvailable instead when set', async () => {
    expect(find(defaults, 'PodDisruptionBudget', 'athena').spec).toEqual({
      maxUnavailable: 1,
      selector: { matchLabels: find(defaults, 'Deployment', 'athena').spec.selector.matchLabels },
    });
    const objs = await render({ set: { 'agents.athena.pdb.minAvailable': 2 } });
    const spec = find(objs, 'PodDisruptionBudget', 'athena').spec;
    expect(spec.minAvailable).toBe(2);
    expect(spec.maxUnavailable).toBeUndefined();
  });

  it('spreads pods across zones and nodes', () => {
    const tsc = find(defaults, 'Deployment', 'athena').spec.template.spec.topologySpreadConstraints as Json[];
    expect(tsc.map((t) => t.topologyKey)).toEqual(['topology.kubernetes.io/zone', 'kubernetes.io/hostname']);
    for (const t of tsc) expect(t.labelSelector.matchLabels['app.kubernetes.io/component']).toBe('athena');
  });

  it('Role: configmaps get,list,watch and pods get,list; no Secrets unless named, then only those', async () => {
    const role = find(defaults, 'Role', 'zeus-orchestrator');
    expect(role.rules).toEqual([
      { apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'list', 'watch'] },
      { apiGroups: [''], resources: ['pods'], verbs: ['get', 'list'] },
    ]);
    for (const env of envs) {
      for (const r of ofKind(byEnv[env] ?? [], 'Role'))
        for (const rule of r.rules as Json[])
          if ((rule.resources as string[]).includes('secrets'))
            expect(rule.resourceNames, `${env} ${r.metadata.name}`).toBeDefined();
    }
    const objs = await render({
      set: { 'agents.zeus-orchestrator.rbac.secretResourceNames[0]': 'kosmos-db-credentials' },
    });
    const secrets = find(objs, 'Role', 'zeus-orchestrator').rules.find((r: Json) => r.resources.includes('secrets'));
    expect(secrets).toEqual({
      apiGroups: [''],
      resources: ['secrets'],
      resourceNames: ['kosmos-db-credentials'],
      verbs: ['get', 'watch'],
    });
    expect(find(objs, 'Role', 'athena').rules.some((r: Json) => r.resources.includes('secrets'))).toBe(false);
    const binding = find(defaults, 'RoleBinding', 'zeus-orchestrator');
    expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: 'zeus-orchestrator', namespace: 'kosmos-core' }]);
    expect(binding.roleRef.name).toBe('zeus-orchestrator');
  });

  it('database credentials only come from the existing Secret', () => {
    const env = container(find(defaults, 'Deployment', 'zeus-orchestrator')).env as Json[];
    const pg = env.filter((e) => e.name.startsWith('POSTGRES_'));
    expect(pg.map((e) => e.name).sort()).toEqual([
      'POSTGRES_DB',
      'POSTGRES_HOST',
      'POSTGRES_PASSWORD',
      'POSTGRES_PORT',
      'POSTGRES_USER',
    ]);
    for (const e of pg) {
      expect(e.value, e.name).toBeUndefined();
      expect(e.valueFrom.secretKeyRef.name).toBe('kosmos-db-credentials');
    }
    expect(pg.find((e) => e.name === 'POSTGRES_PASSWORD')?.valueFrom.secretKeyRef.key).toBe('password');
    // an agent without existingSecret gets no database variables at all
    expect(
      (container(find(defaults, 'Deployment', 'hermes')).env as Json[]).some((e) => e.name.startsWith('POSTGRES_')),
    ).toBe(false);
  });

  it('NetworkPolicy lets kosmos-observability scrape, the other agents call, and kosmos-ingress reach Zeus only', () => {
    const np = find(defaults, 'NetworkPolicy', 'zeus-orchestrator');
    expect(np.spec.podSelector.matchLabels['app.kubernetes.io/component']).toBe('zeus-orchestrator');
    const fromNs = (p: Json) =>
      p.spec.ingress
        .flatMap((r: Json) => r.from)
        .map((f: Json) => f.namespaceSelector?.matchLabels?.['kubernetes.io/metadata.name'])
        .filter(Boolean);
    expect(fromNs(np)).toEqual(['kosmos-observability', 'kosmos-ingress']);
    expect(fromNs(find(defaults, 'NetworkPolicy', 'athena'))).toEqual(['kosmos-observability']);
  });

  it('ServiceMonitor only when the API is served or forced', async () => {
    expect(ofKind(defaults, 'ServiceMonitor')).toEqual([]);
    const withApi = await render({ apiVersions: ['monitoring.coreos.com/v1/ServiceMonitor'] });
    const sm = find(withApi, 'ServiceMonitor', 'zeus-orchestrator');
    expect(sm.spec.endpoints).toEqual([
      {
        port: 'http',
        path: '/metrics',
        interval: '30s',
        // the `app` label the agents dashboard groups by
        relabelings: [
          {
            action: 'replace',
            sourceLabels: ['__meta_kubernetes_pod_label_app_kubernetes_io_component'],
            targetLabel: 'app',
          },
        ],
      },
    ]);
    expect(sm.spec.selector.matchLabels).toEqual(
      find(withApi, 'Deployment', 'zeus-orchestrator').spec.selector.matchLabels,
    );
    expect(sm.spec.namespaceSelector).toEqual({ matchNames: ['kosmos-core'] });
    const forced = await render({ set: { 'agentDefaults.serviceMonitor.force': true } });
    expect(ofKind(forced, 'ServiceMonitor')).toHaveLength(4);
    const off = await render({
      apiVersions: ['monitoring.coreos.com/v1/ServiceMonitor'],
      set: { 'agentDefaults.serviceMonitor.enabled': false },
    });
    expect(ofKind(off, 'ServiceMonitor')).toEqual([]);
  });

  it('a separate metrics port becomes a named container and Service port used by the ServiceMonitor and NetworkPolicy', async () => {
    const objs = await render({
      set: { 'agents.hermes.metrics.port': 9090, 'agents.hermes.serviceMonitor.force': true },
    });
    expect(find(objs, 'Service', 'hermes').spec.ports.map((p: Json) => p.name)).toEqual(['http', 'metrics']);
    expect(find(objs, 'ServiceMonitor', 'hermes').spec.endpoints[0].port).toBe('metrics');
    expect(find(objs, 'NetworkPolicy', 'hermes').spec.ingress[0].ports).toEqual([{ protocol: 'TCP', port: 'metrics' }]);
  });

  it('any number of agents: a new map entry gets the full set of objects', async () => {
    const objs = await render({
      set: { 'agents.iris.image.repository': 'nuvanta/kosmos-iris', 'agents.chronos.enabled': false },
    });
    for (const kind of [
      'Deployment',
      'Service',
      'ServiceAccount',
      'Role',
      'HorizontalPodAutoscaler',
      'PodDisruptionBudget',
    ]) {
      expect(
        ofKind(objs, kind)
          .map((o) => o.metadata.name)
          .sort(),
        kind,
      ).toEqual(['athena', 'hermes', 'iris', 'zeus-orchestrator']);
    }
    expect(container(find(objs, 'Deployment', 'iris')).image).toBe('docker.io/nuvanta/kosmos-iris:v2.0.0');
  });

  it('labels: recommended set on every object, commonLabels added, selectors unchanged', async () => {
    const objs = await render({ set: { 'commonLabels.team': 'agents' } });
    for (const o of objs) {
      const l = o.metadata.labels ?? {};
      for (const k of [
        'app.kubernetes.io/name',
        'app.kubernetes.io/instance',
        'app.kubernetes.io/version',
        'app.kubernetes.io/managed-by',
        'app.kubernetes.io/component',
        'app.kubernetes.io/part-of',
        'helm.sh/chart',
      ]) {
        expect(l[k], `${o.kind}/${o.metadata.name} ${k}`).toBeTruthy();
      }
      expect(l.team).toBe('agents');
    }
    expect(Object.keys(find(objs, 'Deployment', 'athena').spec.selector.matchLabels)).not.toContain('team');
  });

  it('images: global.imageRegistry replaces the registry and a digest wins over the tag', async () => {
    const digest = `sha256:${'a'.repeat(64)}`;
    const objs = await render({
      set: { 'global.imageRegistry': 'registry.local:5000', 'agents.athena.image.digest': digest },
    });
    expect(container(find(objs, 'Deployment', 'athena')).image).toBe(
      `registry.local:5000/nuvanta/kosmos-athena@${digest}`,
    );
    expect(container(find(objs, 'Deployment', 'hermes')).image).toBe(
      'registry.local:5000/nuvanta/kosmos-hermes:v2.0.0',
    );
  });

  it('canary: the Deployment stays at 0 replicas as the Rollout pod template, without an HPA', async () => {
    const objs = await render({ set: { 'agents.zeus-orchestrator.canary.enabled': true } });
    expect(find(objs, 'Deployment', 'zeus-orchestrator').spec.replicas).toBe(0);
    expect(ofKind(objs, 'HorizontalPodAutoscaler').map((o) => o.metadata.name)).not.toContain('zeus-orchestrator');
    expect(find(objs, 'Service', 'zeus-orchestrator')).toBeDefined();
  });
});

describe('core-agents: environments', () => {
  it('staging: one replica, no HPA, PDB maxUnavailable 1', () => {
    const objs = byEnv.staging ?? [];
    expect(ofKind(objs, 'HorizontalPodAutoscaler')).toEqual([]);
    for (const d of ofKind(objs, 'Deployment'))
      expect(d.spec.replicas, d.metadata.name).toBe(d.metadata.name === 'zeus-orchestrator' ? 0 : 1);
    for (const p of ofKind(objs, 'PodDisruptionBudget')) expect(p.spec.maxUnavailable).toBe(1);
  });

  it("production: the seeds' HPA floor of 2 (max 3, the capacity plan) for every agent not on a canary, PDBs, hard zone spread", () => {
    const objs = byEnv.production ?? [];
    const hpas = ofKind(objs, 'HorizontalPodAutoscaler');
    expect(hpas.map((h) => h.metadata.name).sort()).toEqual(['athena', 'chronos', 'hermes']);
    for (const h of hpas) expect([h.spec.minReplicas, h.spec.maxReplicas]).toEqual([2, 3]);
    expect(ofKind(objs, 'PodDisruptionBudget')).toHaveLength(4);
    const tsc = find(objs, 'Deployment', 'athena').spec.template.spec.topologySpreadConstraints;
    expect(tsc[0]).toMatchObject({ topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'DoNotSchedule' });
  });

  it.each(envs)(
    "%s: 3 replicas of every agent plus one surge pod fit the seeds' kosmos-core quota (limits 8 CPU / 16Gi, requests 6 / 12Gi)",
    (env) => {
      let cpuLimit = 0;
      let memLimit = 0;
      let cpuReq = 0;
      let memReq = 0;
      let biggest = { cpu: 0, mem: 0 };
      for (const d of ofKind(byEnv[env] ?? [], 'Deployment')) {
        const r = container(d).resources;
        cpuLimit += 3 * millicores(r.limits.cpu);
        memLimit += 3 * mebibytes(r.limits.memory);
        cpuReq += 3 * millicores(r.requests.cpu);
        memReq += 3 * mebibytes(r.requests.memory);
        if (millicores(r.limits.cpu) > biggest.cpu)
          biggest = { cpu: millicores(r.limits.cpu), mem: mebibytes(r.limits.memory) };
      }
      expect(cpuLimit + biggest.cpu).toBeLessThanOrEqual(8000);
      expect(memLimit + biggest.mem).toBeLessThanOrEqual(16 * 1024);
      expect(cpuReq).toBeLessThanOrEqual(6000);
      expect(memReq).toBeLessThanOrEqual(12 * 1024);
    },
  );

  it.each(envs)('%s: every container fits the LimitRange (min 50m/64Mi, max 2/4Gi)', (env) => {
    for (const d of ofKind(byEnv[env] ?? [], 'Deployment')) {
      const r = container(d).resources;
      expect(millicores(r.requests.cpu)).toBeGreaterThanOrEqual(50);
      expect(mebibytes(r.requests.memory)).toBeGreaterThanOrEqual(64);
      expect(millicores(r.limits.cpu)).toBeLessThanOrEqual(2000);
      expect(mebibytes(r.limits.memory)).toBeLessThanOrEqual(4096);
    }
  });
});

describe('core-agents: values.schema.json', () => {
  it('rejects an unknown key inside an agent, naming it', async () => {
    const err = await schemaError(() => render({ set: { 'agents.athena.replicasCount': 3 } }));
    expect(err).toContain('/agents/athena');
    expect(err).toContain("'replicasCount'");
  });
  it('rejects an unknown top-level key, naming it', async () => {
    expect(await schemaError(() => render({ set: { replicaCount: 3 } }))).toContain("'replicaCount' not allowed");
  });
  it('rejects a wrong type, naming the key', async () => {
    expect(await schemaError(() => render({ set: { 'agentDefaults.autoscaling.enabled': 'yes' } }))).toContain(
      '/agentDefaults/autoscaling/enabled',
    );
    expect(
      await schemaError(() =>
        render({ set: { 'agents.zeus-orchestrator.livenessProbe.initialDelaySeconds': 'soon' } }),
      ),
    ).toContain('/agents/zeus-orchestrator/livenessProbe/initialDelaySeconds');
  });
  it('has no place for a database password value', async () => {
    expect(await schemaError(() => render({ set: { 'agentDefaults.database.password': 'hunter2' } }))).toContain(
      "'password' not allowed",
    );
  });
  it('accepts global (as a parent chart injects it) and enabled', async () => {
    await expect(render({ set: { 'global.someParentKey': 'x', enabled: true } })).resolves.toBeDefined();
  });
});
