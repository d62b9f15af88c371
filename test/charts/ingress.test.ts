import { lint } from '@kosmos/helm';
import type { KubeObject } from '@kosmos/objects';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildDeps, chartDir, envs, envValues, find, type Json, ofKind, renderer, schemaError } from './helpers.ts';

const render = renderer('ingress', 'kosmos-ingress');

let defaults: KubeObject[];
const byEnv: Record<string, KubeObject[]> = {};

beforeAll(async () => {
  await buildDeps('ingress');
  defaults = await render();
  for (const env of envs) byEnv[env] = await render({ env });
}, 120_000);

describe('ingress: helm lint --strict', () => {
  it.each(envs)('passes with environments/%s values', async (env) => {
    const r = await lint({ chart: chartDir('ingress'), valuesFiles: [envValues(env, 'ingress')], strict: true });
    expect(r.ok, r.output).toBe(true);
  });
  it('passes with the chart defaults', async () => {
    const r = await lint({ chart: chartDir('ingress'), strict: true });
    expect(r.ok, r.output).toBe(true);
  });
});

describe('ingress: routes', () => {
  it('routes the API host to zeus-orchestrator:8000 in kosmos-core over websecure with a certResolver', () => {
    const ir = find(defaults, 'IngressRoute', 'kosmos-api');
    expect(ir.apiVersion).toBe('traefik.io/v1alpha1');
    expect(ir.metadata.namespace).toBe('kosmos-ingress');
    expect(ir.spec.entryPoints).toEqual(['websecure']);
    const [route] = ir.spec.routes as Json[];
    expect(route?.match).toBe('Host(`api.kosmos.nuvanta-holding.com`)');
    expect(route?.services).toEqual([
      { kind: 'Service', name: 'zeus-orchestrator', namespace: 'kosmos-core', port: 8000 },
    ]);
    expect(route?.middlewares).toEqual([
      { name: 'rate-limit', namespace: 'kosmos-ingress' },
      { name: 'cors-headers', namespace: 'kosmos-ingress' },
    ]);
    expect(ir.spec.tls).toEqual({ certResolver: 'letsencrypt', domains: [{ main: 'api.kosmos.nuvanta-holding.com' }] });
  });

  it('every middleware a route names is rendered by the chart (defaults and every environment)', () => {
    for (const objs of [defaults, ...envs.map((e) => byEnv[e] ?? [])]) {
      const names = ofKind(objs, 'Middleware').map((m) => m.metadata.name);
      for (const ir of ofKind(objs, 'IngressRoute')) {
        for (const r of ir.spec.routes) for (const m of r.middlewares ?? []) expect(names).toContain(m.name);
      }
    }
  });

  it('hosts, TLS secret and path come from values', async () => {
    const objs = await render({
      set: {
        'routes[0].name': 'api',
        'routes[0].host': 'api.example.test',
        'routes[0].pathPrefix': '/v1',
        'routes[0].service.name': 'zeus-orchestrator',
        'routes[0].service.namespace': 'kosmos-core',
        'routes[0].service.port': 8000,
        'tls.secretName': 'api-tls',
      },
    });
    const ir = find(objs, 'IngressRoute', 'api');
    expect(ir.spec.routes[0].match).toBe('Host(`api.example.test`) && PathPrefix(`/v1`)');
    expect(ir.spec.tls).toEqual({ secretName: 'api-tls' });
  });

  it('production goes to the weighted TraefikService of the Zeus canary, dev is plain HTTP', () => {
    const prod = find(byEnv.production ?? [], 'IngressRoute', 'kosmos-api');
    expect(prod.spec.routes[0].services).toEqual([
      { kind: 'TraefikService', name: 'zeus-orchestrator-weighted', namespace: 'kosmos-core' },
    ]);
    expect(prod.spec.tls.certResolver).toBe('letsencrypt');
    const dev = find(byEnv.dev ?? [], 'IngressRoute', 'kosmos-api');
    expect(dev.spec.entryPoints).toEqual(['web']);
    expect(dev.spec.tls).toBeUndefined();
  });
});

describe('ingress: middlewares', () => {
  it('rate limit: average 100, burst 200 (defaults and every environment)', () => {
    for (const objs of [defaults, ...envs.map((e) => byEnv[e] ?? [])]) {
      const rl = find(objs, 'Middleware', 'rate-limit');
      expect(rl.spec.rateLimit).toMatchObject({ average: 100, burst: 200, period: '1s' });
    }
    expect(find(byEnv.production ?? [], 'Middleware', 'rate-limit').spec.rateLimit.sourceCriterion).toEqual({
      ipStrategy: { depth: 1 },
    });
  });

  it('CORS: seed methods, origin list from values, max age 100, Vary header', () => {
    const h = find(defaults, 'Middleware', 'cors-headers').spec.headers;
    expect(h.accessControlAllowMethods).toEqual(['GET', 'POST', 'PUT', 'DELETE', 'OPTIONS']);
    expect(h.accessControlAllowOriginList).toEqual(['https://kosmos.nuvanta-holding.com']);
    expect(h.accessControlMaxAge).toBe(100);
    expect(h.addVaryHeader).toBe(true);
    expect(find(byEnv.staging ?? [], 'Middleware', 'cors-headers').spec.headers.accessControlAllowOriginList).toEqual([
      'https://staging.kosmos.nuvanta-holding.com',
    ]);
  });
});

describe('ingress: values.schema.json', () => {
  it('rejects an unknown key, naming it', async () => {
    const err = await schemaError(() => render({ set: { 'middlewares.rateLimit.averge': 50 } }));
    expect(err).toContain('/middlewares/rateLimit');
    expect(err).toContain("'averge'");
  });
  it('rejects a wrong type, naming the key', async () => {
    expect(await schemaError(() => render({ set: { 'middlewares.rateLimit.burst': 'lots' } }))).toContain(
      '/middlewares/rateLimit/burst',
    );
  });
  it('rejects a route whose host is not a string', async () => {
    const err = await schemaError(() => render({ set: { 'routes[0].host': 42 } }));
    expect(err).toContain('/routes/0/host');
  });
});
