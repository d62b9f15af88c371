import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import { defaultStateDir, readState } from './local.ts';
import type { Environment } from './model.ts';
import { STAND_IN_VARIABLE } from './stand-in.ts';

/** Where an environment's cluster is: a kubeconfig and context, as environment.yaml or `pnpm run up` says. */
export interface ClusterTarget {
  /** Undefined only for the local cluster when `pnpm run up` has not run. */
  kubeconfig?: string;
  /** Undefined: the kubeconfig's current context. */
  context?: string;
  /** Known up front only for the local cluster; others' is read from the kubeconfig on connecting. */
  server?: string;
}

/** Where a verb talks to for one environment. */
export interface Targets {
  env: string;
  /** `oci://host[:port]/charts`; undefined when the environment uses the local registry and it is not running. */
  registry?: string;
  cluster: ClusterTarget;
  /** The cluster and registry are the local ones of `pnpm run up`. */
  local: boolean;
  /** Set when a local cluster stands in for the environment's own (KOSMOS_LOCAL_CLUSTERS). */
  standIn?: { stateDir: string; skipped: string[] };
}

/** $KUBECONFIG's first existing file, else ~/.kube/config. */
export function defaultKubeconfig(env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = (env.KUBECONFIG ?? '').split(delimiter).filter(Boolean);
  return fromEnv.find((f) => existsSync(f)) ?? fromEnv[0] ?? join(homedir(), '.kube', 'config');
}

/**
 * The one place that turns an environment into where its charts and cluster are: for
 * `registry: local` / `cluster: {local: true}` the registry and cluster `pnpm run up` left in its
 * state folder, otherwise what environment.yaml names. Never throws: a local environment whose
 * cluster is not running has no kubeconfig, and whoever needs one says so.
 */
export async function resolveTargets(env: Environment, o: { stateDir?: string } = {}): Promise<Targets> {
  const base = o.stateDir ?? defaultStateDir();
  const state = env.registry.local || env.cluster.local ? await readState(base) : undefined;
  // A stand-in's cluster has a state folder of its own; the registry is the local environment's.
  const clusterState = env.cluster.local && env.cluster.stateDir ? await readState(env.cluster.stateDir) : state;
  const registry = env.registry.local
    ? state
      ? `oci://${state.registry}/charts`
      : undefined
    : env.registry.url.replace(/\/$/, '');
  const cluster: ClusterTarget = env.cluster.local
    ? clusterState
      ? { kubeconfig: clusterState.kubeconfig, server: clusterState.server }
      : {}
    : { kubeconfig: env.cluster.kubeconfig ?? defaultKubeconfig(), context: env.cluster.context };
  return {
    env: env.name,
    ...(registry ? { registry } : {}),
    cluster,
    local: env.cluster.local && env.registry.local,
    ...(env.standIn ? { standIn: { stateDir: env.standIn.stateDir, skipped: env.standIn.skipped } } : {}),
  };
}

/** One progress line's worth: `cluster context "x" (https://…), registry oci://…`. */
export function describeTargets(t: Targets, o: { cluster?: boolean; registry?: boolean } = {}): string {
  const c = t.cluster;
  const cluster = !c.kubeconfig
    ? t.standIn
      ? `the stand-in cluster (not running: pnpm run up --env ${t.env})`
      : 'the local cluster (not running)'
    : `${c.context ? `context "${c.context}"` : 'current context'}${c.server ? ` (${c.server})` : ''} of ${c.kubeconfig}`;
  const parts = [
    ...(o.cluster === false ? [] : [`cluster ${cluster}`]),
    ...(o.registry === false ? [] : [`registry ${t.registry ?? 'local (not running)'}`]),
  ];
  if (!t.standIn) return parts.join(', ');
  const skipped = t.standIn.skipped.length
    ? `; upstream releases skipped: ${t.standIn.skipped.join(', ')} (the local cluster has their CRDs)`
    : '';
  return `stand-in for ${t.env} (${STAND_IN_VARIABLE}): ${parts.join(', ')}${o.registry === false ? '' : ', images through the local registry as a mirror'}${skipped}`;
}
