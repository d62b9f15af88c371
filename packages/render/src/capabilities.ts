import type { Environment } from '@kosmos/environment';

/**
 * API versions beyond core Kubernetes that an environment's cluster serves, passed to
 * `helm template --api-versions` so charts gated on `.Capabilities.APIVersions.Has` render as
 * they would install. Keyed by the upstream chart whose CRDs provide them; the local cluster
 * (testkit) applies all of them.
 */
export const CRD_APIS: Record<string, string[]> = {
  'prometheus-operator-crds': [
    'monitoring.coreos.com/v1',
    'monitoring.coreos.com/v1/ServiceMonitor',
    'monitoring.coreos.com/v1/PodMonitor',
    'monitoring.coreos.com/v1/PrometheusRule',
  ],
  'argo-rollouts': [
    'argoproj.io/v1alpha1',
    'argoproj.io/v1alpha1/Rollout',
    'argoproj.io/v1alpha1/AnalysisTemplate',
    'argoproj.io/v1alpha1/AnalysisRun',
  ],
  traefik: [
    'traefik.io/v1alpha1',
    'traefik.io/v1alpha1/IngressRoute',
    'traefik.io/v1alpha1/Middleware',
    'traefik.io/v1alpha1/TraefikService',
    'traefik.io/v1alpha1/TLSOption',
  ],
};

export function apiVersionsFor(env: Environment): string[] {
  const providers = env.cluster.local
    ? Object.keys(CRD_APIS)
    : env.releases.flatMap((r) => (r.chart.kind === 'upstream' && CRD_APIS[r.chart.name] ? [r.chart.name] : []));
  return [...new Set(providers.flatMap((p) => CRD_APIS[p] ?? []))].sort();
}
