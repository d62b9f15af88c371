/**
 * Argo CD: the engine that syncs an environment's releases to every cluster of a fleet. Tests
 * run its application controller, ApplicationSet controller and repo server natively. Kept in
 * its own module (as delivery.ts) so that other groups of components are added without touching
 * these lines.
 */
import type { Component } from './catalog.ts';
import { cmpSemver } from './semver.ts';

export type FleetToolName =
  | 'argocd'
  | 'argocd-application-controller'
  | 'argocd-applicationset-controller'
  | 'argocd-repo-server';

/** The components the fleet tests start; `argocd` (the CLI) is the binary the others link to. */
export const FLEET_TOOL_NAMES: readonly FleetToolName[] = [
  'argocd',
  'argocd-application-controller',
  'argocd-applicationset-controller',
  'argocd-repo-server',
];

/** Only the CLI prints its version; the servers log it once started, so the build info decides. */
export const FLEET_VERSION_ARGS: Record<FleetToolName, string[]> = {
  argocd: ['version', '--client', '--short'],
  'argocd-application-controller': ['version'],
  'argocd-applicationset-controller': ['version'],
  'argocd-repo-server': ['version'],
};

/**
 * v3.2.11: v3.2.12 does not compile from the module proxy, and v3.4+ requires a gitops-engine
 * version the proxy refuses (TOOLCHAIN.md). Its go.mod has no local replaces, only published
 * ones (k8s.io/* at v0.34.0 and CVE pins), which the generated module must repeat.
 */
const ARGOCD = 'v3.2.11';

export const FLEET_COMPONENTS: readonly Component[] = [
  {
    id: 'argocd',
    version: ARGOCD,
    binaries: [...FLEET_TOOL_NAMES],
    recipe: {
      kind: 'go-module',
      root: `github.com/argoproj/argo-cd/v3@${ARGOCD}`,
      replacesFrom: `github.com/argoproj/argo-cd/v3@${ARGOCD}`,
      replaceVersion: ARGOCD,
      copyPublishedReplaces: true,
      get: [`github.com/argoproj/argo-cd/v3/cmd@${ARGOCD}`],
      packages: { argocd: 'github.com/argoproj/argo-cd/v3/cmd' },
      // Upstream ships one binary that picks its component from the name it is run as.
      links: {
        'argocd-application-controller': 'argocd',
        'argocd-applicationset-controller': 'argocd',
        'argocd-repo-server': 'argocd',
      },
      // Without it every component reports 99.99.99.
      ldflags: [`-X github.com/argoproj/argo-cd/v3/common.version=${ARGOCD.slice(1)}`],
    },
    accepts: (v) => cmpSemver(v, ARGOCD) === 0,
    requirement: `Argo CD ${ARGOCD} (the version whose CRDs lint validates against)`,
    typicalBuildSeconds: 1500,
  },
];
