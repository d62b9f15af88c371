import { lint } from '@kosmos/helm';
import type { KubeObject } from '@kosmos/objects';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildDeps, chartDir, envs, envValues, find, type Json, ofKind, renderer, schemaError } from './helpers.ts';
import { releaseViolations } from './pod-security.ts';

const render = renderer('rollouts', 'kosmos-core');
const renderAgents = renderer('core-agents', 'kosmos-core');
const renderIngress = renderer('ingress', 'kosmos-ingress');
const renderObservability = renderer('observability', 'kosmos-observability');

let defaults: KubeObject[];
let observability: KubeObject[];
const byEnv: Record<string, { rollouts: KubeObject[]; agents: KubeObject[]; ingress: KubeObject[] }> = {};

beforeAll(async () => {
  await Promise.all([
    buildDeps('rollouts'),
    buildDeps('core-agents'),
    buildDeps('ingress'),
    buildDeps('observability'),
  ]);
  defaults = await render();
  observability = await renderObservability();
  for (const env of envs) {
    byEnv[env] = {
      rollouts: await render({ env }),
      agents: await renderAgents({ env }),
      ingress: await renderIngress({ env }),
    };
  }
}, 180_000);

describe('rollouts: helm lint --strict', () => {
  it.each(envs)('passes with environments/%s values', async (env) => {
    const r = await lint({ chart: chartDir('rollouts'), valuesFiles: [envValues(env, 'rollouts')], strict: true });
    expect(r.ok, r.output).toBe(true);
  });
  it('passes with the chart defaults', async () => {
    const r = await lint({ chart: chartDir('rollouts'), strict: true });
    expect(r.ok, r.output).toBe(true);
  });
});

describe('rollouts: canary', () => {
  it('steps 10% / 5m / 30% / 5m / 50% / 10m / 100%', () => {
    const ro = find(defaults, 'Rollout', 'zeus-orchestrator');
    expect(ro.apiVersion).toBe('argoproj.io/v1alpha1');
    expect(ro.spec.strategy.canary.steps).toEqual([
      { setWeight: 10 },
      { pause: { duration: '5m' } },
      { setWeight: 30 },
      { pause: { duration: '5m' } },
      { setWeight: 50 },
      { pause: { duration: '10m' } },
      { setWeight: 100 },
    ]);
  });

  it('stable and canary Services select the agent pods; Traefik weighted routing goes through the TraefikService', () => {
    const canary = find(defaults, 'Rollout', 'zeus-orchestrator').spec.strategy.canary;
    expect(canary.stableService).toBe('zeus-orchestrator-stable');
    expect(canary.canaryService).toBe('zeus-orchestrator-canary');
    expect(canary.trafficRouting).toEqual({ traefik: { weightedTraefikServiceName: 'zeus-orchestrator-weighted' } });
    const ts = find(defaults, 'TraefikService', 'zeus-orchestrator-weighted');
    expect(ts.apiVersion).toBe('traefik.io/v1alpha1');
    expect(ts.spec.weighted.services).toEqual([
      { name: 'zeus-orchestrator-stable', port: 8000, weight: 100 },
      { name: 'zeus-orchestrator-canary', port: 8000, weight: 0 },
    ]);
    const sel = find(defaults, 'Rollout', 'zeus-orchestrator').spec.selector.matchLabels;
    for (const s of ['zeus-orchestrator-stable', 'zeus-orchestrator-canary']) {
      const svc = find(defaults, 'Service', s);
      expect(svc.spec.selector).toEqual(sel);
      expect(svc.spec.ports).toEqual([{ name: 'http', port: 8000, targetPort: 'http', protocol: 'TCP' }]);
    }
  });

  it('AnalysisTemplate: Prometheus success rate >= 0.95, its args are the ones the Rollout passes', () => {
    const at = find(defaults, 'AnalysisTemplate', 'zeus-orchestrator-success-rate');
    const [metric] = at.spec.metrics as Json[];
    // The default address is the observability chart's default Prometheus Service, by its
    // in-cluster name (a Service that does not exist fails every analysis, aborting every canary).
    const address = new URL(String(metric?.provider.prometheus.address));
    const [svcName, svcNs, svc] = address.hostname.split('.');
    expect(`${svc}.${address.hostname.split('.').slice(3).join('.')}`).toBe('svc.cluster.local');
    expect(svcNs).toBe('kosmos-observability');
    const service = find(observability, 'Service', String(svcName));
    expect(service.spec.clusterIP).not.toBe('None');
    expect((service.spec.ports as Json[]).map((p) => p.port)).toContain(Number(address.port));
    // The operator labels the pods of a Prometheus resource `app.kubernetes.io/name: prometheus`.
    expect(service.spec.selector['app.kubernetes.io/name']).toBe('prometheus');
    expect(metric?.successCondition).toContain('result[0] >= 0.95');
    expect(metric?.failureLimit).toBe(2);
    const declared = (at.spec.args as Json[]).map((a) => a.name).sort();
    const used = [...String(metric?.provider.prometheus.query).matchAll(/\{\{args\.([\w-]+)\}\}/g)].map((m) => m[1]);
    expect(used.length).toBeGreaterThan(0);
    for (const u of used) expect(declared).toContain(u);
    const analysis = find(defaults, 'Rollout', 'zeus-orchestrator').spec.strategy.canary.analysis;
    expect(analysis.templates).toEqual([{ templateName: 'zeus-orchestrator-success-rate' }]);
    expect((analysis.args as Json[]).map((a) => a.name).sort()).toEqual(declared);
    expect(analysis.args).toContainEqual({ name: 'service', value: 'zeus-orchestrator-canary' });
  });

  it("an HPA on the Rollout replaces spec.replicas (production: the seeds' floor 2, max 3 of the capacity plan, seed behaviors)", () => {
    const objs = byEnv.production?.rollouts ?? [];
    const ro = find(objs, 'Rollout', 'zeus-orchestrator');
    expect(ro.spec.replicas).toBeUndefined();
    const hpa = find(objs, 'HorizontalPodAutoscaler', 'zeus-orchestrator');
    expect(hpa.spec.scaleTargetRef).toEqual({
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'Rollout',
      name: 'zeus-orchestrator',
    });
    expect([hpa.spec.minReplicas, hpa.spec.maxReplicas]).toEqual([2, 3]);
    expect(hpa.spec.behavior.scaleDown).toEqual({
      stabilizationWindowSeconds: 300,
      policies: [{ type: 'Percent', value: 10, periodSeconds: 60 }],
    });
    expect(hpa.spec.behavior.scaleUp).toEqual({
      stabilizationWindowSeconds: 0,
      policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }],
    });
    expect(find(byEnv.staging?.rollouts ?? [], 'Rollout', 'zeus-orchestrator').spec.replicas).toBe(1);
    expect(ofKind(byEnv.staging?.rollouts ?? [], 'HorizontalPodAutoscaler')).toEqual([]);
  });

  it('a per-agent override changes only that agent', async () => {
    const objs = await render({ set: { 'rollouts.athena.replicas': 2, 'rollouts.athena.analysis.enabled': false } });
    expect(find(objs, 'Rollout', 'athena').spec.replicas).toBe(2);
    expect(find(objs, 'Rollout', 'athena').spec.strategy.canary.analysis).toBeUndefined();
    expect(ofKind(objs, 'AnalysisTemplate').map((a) => a.metadata.name)).toEqual(['zeus-orchestrator-success-rate']);
  });
});

describe.each(envs)('rollouts + core-agents + ingress agree in %s', (env) => {
  it('every Rollout references a Deployment of core-agents kept at 0 replicas, whose pod labels match its selector', () => {
    const e = byEnv[env];
    if (!e) throw new Error('not rendered');
    const rollouts = ofKind(e.rollouts, 'Rollout');
    expect(rollouts.length).toBeGreaterThan(0);
    for (const ro of rollouts) {
      const dep = find(e.agents, 'Deployment', ro.spec.workloadRef.name);
      expect(ro.spec.workloadRef).toMatchObject({ apiVersion: 'apps/v1', kind: 'Deployment' });
      expect(dep.spec.replicas, `${dep.metadata.name} must be at 0: the Rollout owns its pods`).toBe(0);
      expect(dep.spec.template.metadata.labels).toMatchObject(ro.spec.selector.matchLabels);
      expect(ro.spec.selector.matchLabels).toEqual(dep.spec.selector.matchLabels);
      expect(ofKind(e.agents, 'HorizontalPodAutoscaler').map((h) => h.metadata.name)).not.toContain(dep.metadata.name);
    }
    // and every agent handed to a canary has a Rollout
    const canaryAgents = ofKind(e.agents, 'Deployment')
      .filter((d) => d.spec.replicas === 0)
      .map((d) => d.metadata.name);
    expect(rollouts.map((r) => r.spec.workloadRef.name).sort()).toEqual(canaryAgents.sort());
  });

  it('the ingress routes to TraefikServices that the rollouts chart renders', () => {
    const e = byEnv[env];
    if (!e) throw new Error('not rendered');
    for (const ir of ofKind(e.ingress, 'IngressRoute')) {
      for (const s of ir.spec.routes.flatMap((r: Json) => r.services)) {
        if (s.kind === 'TraefikService')
          expect(ofKind(e.rollouts, 'TraefikService').map((t) => t.metadata.name)).toContain(s.name);
        else expect(ofKind(e.agents, 'Service').map((t) => t.metadata.name)).toContain(s.name);
      }
    }
  });

  it('the pods the Rollout runs (the Deployment template) pass Pod Security restricted', () => {
    expect(releaseViolations(byEnv[env]?.agents ?? [])).toEqual([]);
  });
});

describe('rollouts: values.schema.json', () => {
  it('rejects an unknown key, naming it', async () => {
    const err = await schemaError(() => render({ set: { 'rolloutDefaults.canarySteps': 'x' } }));
    expect(err).toContain('/rolloutDefaults');
    expect(err).toContain("'canarySteps'");
  });
  it('rejects a wrong type, naming the key', async () => {
    expect(await schemaError(() => render({ set: { 'rollouts.zeus-orchestrator.replicas': 'three' } }))).toContain(
      '/rollouts/zeus-orchestrator/replicas',
    );
    expect(await schemaError(() => render({ set: { 'rolloutDefaults.steps[0].setWeight': 150 } }))).toContain(
      '/rolloutDefaults/steps/0/setWeight',
    );
  });
});
