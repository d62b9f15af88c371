import type { Environment } from '@kosmos/environment';
import { type Cluster, helmRelease, workloadHealth } from '@kosmos/kube';
import { treeVersion } from '@kosmos/render';
import { type DiffOptions, diffEnvironment } from './plan.ts';

/** One cell row of the status matrix: an environment's release as pinned and as deployed. */
export interface ReleaseStatus {
  env: string;
  release: string;
  namespace: string;
  /** The pin of environment.yaml; for `tree`, with the tree's chart version: `tree (0.3.0)`. */
  pinned: string;
  /** Chart version of the live Helm release, or null when not installed or unknown. */
  deployed: string | null;
  /** Helm's status of that revision (deployed, failed, ...). */
  helmStatus: string | null;
  /** true/false from diff; null when it could not be computed (see `driftError`). */
  drift: boolean | null;
  driftError?: string;
  /** `ready`, `not ready`, `no workloads`, `not installed`, `unreachable`. */
  health: 'ready' | 'not ready' | 'no workloads' | 'not installed' | 'unreachable';
  /** Workloads that are not Ready, e.g. `Deployment/web 0/2 available`. */
  unready: string[];
  /** Whether the deployed version is the pinned one. */
  upToDate: boolean | null;
}

export interface EnvironmentStatus {
  env: string;
  reachable: boolean;
  /** Why the cluster could not be asked (unreachable, no kubeconfig, ...). */
  error?: string;
  releases: ReleaseStatus[];
}

function pinnedOf(env: Environment, i: number): string {
  const r = env.releases[i];
  if (!r) return '';
  if (r.version !== 'tree') return r.version;
  return r.chart.kind === 'repo' ? `tree (${treeVersion(r.chart.dir)})` : 'tree';
}

/** The environment's rows when its cluster could not be reached. */
export function unreachableStatus(env: Environment, error: string): EnvironmentStatus {
  return {
    env: env.name,
    reachable: false,
    error,
    releases: env.releases.map((r, i) => ({
      env: env.name,
      release: r.name,
      namespace: r.namespace,
      pinned: pinnedOf(env, i),
      deployed: null,
      helmStatus: null,
      drift: null,
      health: 'unreachable',
      unready: [],
      upToDate: null,
    })),
  };
}

/**
 * Pinned vs deployed version, drift and health of every release of an environment: deployed
 * version and the objects to check come from Helm's release record; drift from diff; health
 * from the live workloads (Deployments available, StatefulSets/DaemonSets ready, Rollouts Healthy).
 */
export async function environmentStatus(
  env: Environment,
  cluster: Cluster,
  o: Omit<DiffOptions, 'onRelease'> = {},
): Promise<EnvironmentStatus> {
  await cluster.client.ping();
  let drift: Map<string, boolean> | undefined;
  let driftError: string | undefined;
  try {
    const d = await diffEnvironment(env, cluster, o);
    drift = new Map(d.releases.map((r) => [r.release, r.summary.added + r.summary.changed + r.summary.deleted > 0]));
    for (const s of d.skipped) drift.delete(s.release);
  } catch (e) {
    driftError = (e as Error).message.split('\n')[0];
  }
  const releases = await Promise.all(
    env.releases.map(async (r, i): Promise<ReleaseStatus> => {
      const record = await helmRelease(cluster, r.namespace, r.name);
      const pinned = pinnedOf(env, i);
      const base = { env: env.name, release: r.name, namespace: r.namespace, pinned };
      const d = drift?.get(r.name);
      const driftPart =
        d === undefined
          ? { drift: null, driftError: driftError ?? 'not rendered (upstream chart skipped)' }
          : { drift: d };
      if (!record) {
        return {
          ...base,
          deployed: null,
          helmStatus: null,
          ...driftPart,
          health: 'not installed',
          unready: [],
          upToDate: false,
        };
      }
      const workloads = record.objects.filter((x) =>
        ['Deployment', 'StatefulSet', 'DaemonSet', 'Rollout'].includes(x.kind),
      );
      const checks = await Promise.all(
        workloads.map(async (w) => {
          const live = await cluster.get({
            apiVersion: w.apiVersion,
            kind: w.kind,
            name: w.metadata.name,
            namespace: w.metadata.namespace ?? r.namespace,
          });
          return live ? workloadHealth(live) : { ready: false, detail: `${w.kind}/${w.metadata.name} missing` };
        }),
      );
      const unready = checks.flatMap((h) => (h && !h.ready ? [h.detail] : []));
      const pinVersion = pinned.startsWith('tree (') ? pinned.slice(6, -1) : pinned;
      return {
        ...base,
        deployed: record.chart.version,
        helmStatus: record.status,
        ...driftPart,
        health: workloads.length === 0 ? 'no workloads' : unready.length ? 'not ready' : 'ready',
        unready,
        upToDate: record.chart.version === pinVersion,
      };
    }),
  );
  return { env: env.name, reachable: true, releases };
}
