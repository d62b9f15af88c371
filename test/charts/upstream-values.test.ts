/**
 * What our charts need from the upstream releases, checked on the values each environment gives
 * them (lint checks their shape against packages/upstream/values-schemas; this checks that they
 * fit our charts). The real controllers exercise the same values in test/controllers/.
 */
import { readFileSync } from 'node:fs';
import { loadEnvironment } from '@kosmos/environment';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { type Json, root } from './helpers.ts';

const upstreamEnvs = ['staging', 'production'] as const;

/** The merged values files of a release (later files win, maps merged like helm does). */
function valuesOf(env: string, release: string): Json {
  const r = loadEnvironment(root, env).releases.find((x) => x.name === release);
  if (!r) throw new Error(`${env} has no release ${release}`);
  const merge = (a: Json, b: Json): Json => {
    const out: Json = { ...a };
    for (const [k, v] of Object.entries(b))
      out[k] = v && typeof v === 'object' && !Array.isArray(v) && typeof a[k] === 'object' ? merge(a[k], v) : v;
    return out;
  };
  return r.values.map((f) => parse(readFileSync(f, 'utf8')) as Json).reduce(merge, {});
}

const ingressDefaults = parse(readFileSync(`${root}/charts/ingress/values.yaml`, 'utf8')) as Json;

describe.each(upstreamEnvs)('%s: upstream releases configured for our charts', (env) => {
  it('argo-rollouts talks to Traefik v3 (traefik.io) and declares its resources', () => {
    const v = valuesOf(env, 'argo-rollouts');
    expect(v.controller.extraArgs).toEqual(
      expect.arrayContaining(['--traefik-api-group=traefik.io', '--traefik-api-version=traefik.io/v1alpha1']),
    );
    // Without them the namespace's LimitRange defaults (500m CPU limit per container) apply.
    for (const kind of ['requests', 'limits']) {
      expect(v.controller.resources[kind].cpu, kind).toBeDefined();
      expect(v.controller.resources[kind].memory, kind).toBeDefined();
    }
    expect(v.providerRBAC.providers.traefik).toBe(true);
    if (v.controller.replicas > 1) expect(v.controller.pdb.enabled).toBe(true);
  });

  it('traefik allows the cross-namespace route and defines the resolver the routes use, stored on a volume', () => {
    const t = valuesOf(env, 'traefik');
    const ingress = { ...ingressDefaults, ...valuesOf(env, 'ingress') };
    expect(t.providers.kubernetesCRD.allowCrossNamespace).toBe(true);
    const crossNamespace = (ingress.routes as Json[]).some((r) => r.service.namespace !== 'kosmos-ingress');
    expect(crossNamespace).toBe(true);
    const resolver = { ...ingressDefaults.tls, ...ingress.tls }.certResolver as string;
    const acme = t.certificatesResolvers?.[resolver]?.acme;
    expect(acme, `resolver ${resolver}`).toBeDefined();
    expect(t.persistence.enabled).toBe(true);
    expect(String(acme.storage).startsWith(`${t.persistence.path}/`)).toBe(true);
    // A public CA only: the staging CA's certificates are not trusted by browsers.
    expect(acme.caServer).toBeUndefined();
    // Two Traefiks would race each other's ACME orders on one ReadWriteOnce volume.
    expect(t.deployment.replicas).toBe(1);
    expect(t.updateStrategy.type).toBe('Recreate');
  });

  it('the rate limit reads X-Forwarded-For only from trusted proxies, on every entry point the routes use', () => {
    const t = valuesOf(env, 'traefik');
    const ingress = valuesOf(env, 'ingress');
    const depth = ingress.middlewares?.rateLimit?.sourceCriterion?.ipStrategyDepth ?? 0;
    expect(depth).toBeGreaterThan(0);
    const entryPoints = (ingress.entryPoints ?? ingressDefaults.entryPoints) as string[];
    for (const ep of entryPoints) {
      const trusted = t.ports?.[ep]?.forwardedHeaders?.trustedIPs as string[] | undefined;
      expect(trusted?.length, `ports.${ep}.forwardedHeaders.trustedIPs`).toBeGreaterThan(0);
      expect(t.ports[ep].forwardedHeaders.insecure).toBeUndefined();
    }
    // The peer must still be the proxy when it reaches Traefik.
    expect(t.service.spec.externalTrafficPolicy).toBe('Local');
  });
});
