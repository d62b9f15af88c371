import { describe, expect, it } from 'vitest';
import {
  describeTargets,
  EnvironmentError,
  findRepoRoot,
  loadEnvironment,
  STAND_IN_VARIABLE,
  standInNames,
} from '../src/index.ts';

const root = findRepoRoot(import.meta.dirname);

describe('stand-in clusters (KOSMOS_LOCAL_CLUSTERS)', () => {
  it('reads the variable as a comma-separated list; unset means none', () => {
    expect(standInNames({ [STAND_IN_VARIABLE]: ' staging, production ,' })).toEqual(['staging', 'production']);
    expect(standInNames({})).toEqual([]);
  });

  it('an environment not named keeps its own cluster and registry', () => {
    const env = loadEnvironment(root, 'staging', { standIns: [] });
    expect(env.standIn).toBeUndefined();
    expect(env.cluster).toEqual({ local: false, context: 'kosmos-staging' });
    expect(env.registry).toEqual({ local: false, url: 'oci://ghcr.io/kosmos-platform/charts' });
  });

  it('a named one gets a local cluster of its own, the local registry, and no upstream releases', () => {
    const env = loadEnvironment(root, 'production', { standIns: ['staging', 'production'] });
    expect(env.cluster).toEqual({ local: true, stateDir: expect.stringMatching(/\.kosmos\/local\/production$/) });
    expect(env.registry).toEqual({ local: true });
    expect(env.standIn?.replaces).toEqual({
      cluster: { local: false, context: 'kosmos-production' },
      registry: 'oci://ghcr.io/kosmos-platform/charts',
    });
    expect(env.standIn?.skipped).toEqual([
      'prometheus-operator-crds',
      'prometheus-operator',
      'argo-rollouts',
      'traefik',
    ]);
    expect(env.releases.map((r) => r.name)).toEqual([
      'platform',
      'data-tier',
      'observability',
      'core-agents',
      'rollouts',
      'ingress',
    ]);
    // needs on a left-out release are dropped with it, so the waves still form.
    expect(env.releases.find((r) => r.name === 'rollouts')?.needs).toEqual(['core-agents']);
    const t = {
      env: 'production',
      registry: 'oci://127.0.0.1:5000/charts',
      cluster: { kubeconfig: '/k/kubeconfig', server: 'https://127.0.0.1:1234' },
      local: true,
      standIn: { stateDir: '/s/production', skipped: env.standIn?.skipped ?? [] },
    };
    expect(describeTargets(t)).toBe(
      'stand-in for production (KOSMOS_LOCAL_CLUSTERS): cluster current context (https://127.0.0.1:1234) of /k/kubeconfig, registry oci://127.0.0.1:5000/charts, images through the local registry as a mirror; upstream releases skipped: prometheus-operator-crds, prometheus-operator, argo-rollouts, traefik (the local cluster has their CRDs)',
    );
  });

  it('dev is local already: naming it changes nothing', () => {
    const env = loadEnvironment(root, 'dev', { standIns: ['dev'] });
    expect(env.standIn).toBeUndefined();
    expect(env.cluster).toEqual({ local: true });
  });

  it('an unknown name is bad input naming the variable', () => {
    expect(() => loadEnvironment(root, 'dev', { standIns: ['stagign'] })).toThrow(EnvironmentError);
    expect(() => loadEnvironment(root, 'dev', { standIns: ['stagign'] })).toThrow(
      'KOSMOS_LOCAL_CLUSTERS:1:1: unknown environment "stagign" (known: dev, production, staging)',
    );
  });
});
