import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import { defaultStateDir, readState } from './local.ts';
import type { Environment } from './model.ts';

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
  const state = env.registry.local || env.cluster.local ? await readState(o.stateDir ?? defaultStateDir()) : undefined;
  const registry = env.registry.local
    ? state
      ? `oci://${state.registry}/charts`
      : undefined
    : env.registry.url.replace(/\/$/, '');
  const cluster: ClusterTarget = env.cluster.local
    ? state
      ? { kubeconfig: state.kubeconfig, server: state.server }
      : {}
    : { kubeconfig: env.cluster.kubeconfig ?? defaultKubeconfig(), context: env.cluster.context };
  return {
    env: env.name,
    ...(registry ? { registry } : {}),
    cluster,
    local: env.cluster.local && env.registry.local,
  };
}

/** One progress line's worth: `cluster context "x" (https://…), registry oci://…`. */
export function describeTargets(t: Targets, o: { cluster?: boolean; registry?: boolean } = {}): string {
  const c = t.cluster;
  const cluster = !c.kubeconfig
    ? 'the local cluster (not running)'
    : `${c.context ? `context "${c.context}"` : 'current context'}${c.server ? ` (${c.server})` : ''} of ${c.kubeconfig}`;
  const parts = [
    ...(o.cluster === false ? [] : [`cluster ${cluster}`]),
    ...(o.registry === false ? [] : [`registry ${t.registry ?? 'local (not running)'}`]),
  ];
  return parts.join(', ');
}
