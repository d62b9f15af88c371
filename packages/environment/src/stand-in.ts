import { join } from 'node:path';
import { defaultStateDir } from './local.ts';
import type { ClusterRef, Environment } from './model.ts';

/**
 * The one switch that stands local clusters in for real ones: a comma-separated list of
 * environment names (`KOSMOS_LOCAL_CLUSTERS=staging,production`). Nothing falls back to a stand-in
 * on its own: an environment not named here talks to the cluster and registry its file names.
 */
export const STAND_IN_VARIABLE = 'KOSMOS_LOCAL_CLUSTERS';

/** What an environment stands in for when a local cluster replaces its own. */
export interface StandIn {
  /** The cluster and registry environment.yaml names, which are NOT used. */
  replaces: { cluster: ClusterRef; registry: string };
  /** State of the stand-in cluster (`pnpm run up --env NAME`): `.kosmos/local/<env>`. */
  stateDir: string;
  /**
   * Upstream releases left out: their charts come from https repositories, out of reach here, and
   * the local clusters carry their CRDs already.
   */
  skipped: string[];
}

/** The environment names the variable lists (empty when unset). */
export function standInNames(vars: NodeJS.ProcessEnv = process.env): string[] {
  return (vars[STAND_IN_VARIABLE] ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

/** Where a stand-in cluster keeps its state: beside the local environment's, one folder per environment. */
export const standInStateDir = (name: string, base = defaultStateDir()) => join(base, name);

/**
 * The environment with a local cluster standing in for its own: the cluster of
 * `pnpm run up --env NAME`, the local registry for charts and (as a mirror, the way K3s'
 * registries.yaml mirrors registries) for every image, upstream releases left out.
 */
export function asStandIn(env: Environment, base = defaultStateDir()): Environment {
  if (env.cluster.local) return env;
  const upstream = new Set(env.releases.filter((r) => r.chart.kind === 'upstream').map((r) => r.name));
  const stateDir = standInStateDir(env.name, base);
  const cluster: ClusterRef = { local: true, stateDir };
  return {
    ...env,
    cluster,
    // Only the default cluster has a stand-in; the others keep what the file names.
    ...(env.clusters ? { clusters: env.clusters.map((c) => (c.default ? { ...c, cluster } : c)) } : {}),
    registry: { local: true },
    releases: env.releases
      .filter((r) => !upstream.has(r.name))
      .map((r) => ({ ...r, needs: r.needs.filter((n) => !upstream.has(n)) })),
    standIn: {
      replaces: { cluster: env.cluster, registry: env.registry.local ? 'local' : env.registry.url },
      stateDir,
      skipped: [...upstream],
    },
  };
}
