import { type DiffOptions, diffEnvironment, drifted } from '@kosmos/diff';
import { type Environment, resolveTargets, type Targets } from '@kosmos/environment';
import {
  type Cluster,
  type HelmRelease,
  helmRelease,
  KubeConnectionError,
  withCluster,
  workloadHealth,
} from '@kosmos/kube';
import { refOf } from '@kosmos/objects';
import { treeVersion } from '@kosmos/render';
import { type ClusterStatus, fleetStatus } from './fleet.ts';

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
  /**
   * `ready`, `not ready`, `no workloads`, `not installed`; `unreachable` when the cluster could
   * not be connected to, `error` when asking it failed otherwise (see EnvironmentStatus.error).
   */
  health: 'ready' | 'not ready' | 'no workloads' | 'not installed' | 'unreachable' | 'error';
  /** Workloads that are not Ready, e.g. `Deployment/web 0/2 available`. */
  unready: string[];
  /** Whether the deployed version is the pinned one. */
  upToDate: boolean | null;
}

export interface EnvironmentStatus {
  env: string;
  /** false only when the cluster could not be connected to (a KubeConnectionError). */
  reachable: boolean;
  /**
   * Why there is no status: the connection failure when unreachable; otherwise the error that
   * stopped it (a bad kubeconfig, an API server error, a Helm record that does not decode, ...).
   */
  error?: string;
  releases: ReleaseStatus[];
  /**
   * Every cluster, where the environment has several or is handed to Argo CD; `releases` then
   * sums them up (a cluster that is unreachable, out of sync or not ready is named there).
   */
  clusters?: ClusterStatus[];
}

function pinnedOf(env: Environment, i: number): string {
  const r = env.releases[i];
  if (!r) return '';
  if (r.version !== 'tree') return r.version;
  return r.chart.kind === 'repo' ? `tree (${treeVersion(r.chart.dir)})` : 'tree';
}

/** The environment's rows when its cluster could not be reached. */
export function unreachableStatus(env: Environment, error: string): EnvironmentStatus {
  return blankStatus(env, error, 'unreachable');
}

/** The environment's rows when asking its cluster failed for another reason than connecting. */
export function errorStatus(env: Environment, error: string): EnvironmentStatus {
  return blankStatus(env, error, 'error');
}

function blankStatus(env: Environment, error: string, health: 'unreachable' | 'error'): EnvironmentStatus {
  return {
    env: env.name,
    reachable: health !== 'unreachable',
    error,
    releases: env.releases.map((r, i) => ({
      env: env.name,
      release: r.name,
      namespace: r.namespace,
      pinned: pinnedOf(env, i),
      deployed: null,
      helmStatus: null,
      drift: null,
      health,
      unready: [],
      upToDate: null,
    })),
  };
}

/**
 * The status rows for an error: connection failures (KubeConnectionError: refused, timed out,
 * local cluster not running) are `unreachable`; anything else, an API server error or a Helm
 * record that does not decode included, is an `error` row with its first line.
 */
export function failedStatus(env: Environment, e: unknown): EnvironmentStatus {
  const message = (e instanceof Error ? e.message : String(e)).split('\n')[0] || 'failed';
  return e instanceof KubeConnectionError ? unreachableStatus(env, message) : errorStatus(env, message);
}

export interface StatusOptions {
  /** Do not render upstream charts (their drift is unknown). */
  skipUpstream?: boolean;
  /** API requests in flight at once (default 8). */
  concurrency?: number;
  /** State folder of `pnpm run up` (default: the usual one). */
  stateDir?: string;
  /** Where the cluster and registry are (default: `resolveTargets(env)`). */
  targets?: Targets;
  /** How to connect (default `Cluster.forTargets`); tests pass their own. */
  connect?: (t: Targets) => Promise<Cluster>;
}

/**
 * The status of one environment, never throwing: `withCluster` connects, pings once and closes;
 * a failure becomes rows saying `unreachable` or `error` (see `failedStatus`).
 */
export async function statusForEnvironment(env: Environment, o: StatusOptions = {}): Promise<EnvironmentStatus> {
  if (env.argocd || (env.clusters?.length ?? 0) > 1) {
    const { targets: _, ...perCluster } = o;
    try {
      return await fleetStatus(env, (i) => pinnedOf(env, i), {
        ...(o.stateDir ? { stateDir: o.stateDir } : {}),
        ...(o.concurrency ? { concurrency: o.concurrency } : {}),
        single: (e) => statusForEnvironment(e, perCluster),
      });
    } catch (e) {
      // Only Argo CD's control plane is asked outside a per-cluster status: it is what failed.
      const s = failedStatus(env, e);
      return { ...s, error: `Argo CD's control plane: ${s.error}` };
    }
  }
  try {
    const targets = o.targets ?? (await resolveTargets(env, o.stateDir ? { stateDir: o.stateDir } : {}));
    return await withCluster(
      env,
      (cluster) =>
        environmentStatus(env, cluster, {
          upstream: o.skipUpstream ? 'skip' : 'render',
          ...(targets.registry ? { registryUrl: targets.registry } : {}),
        }),
      { targets, concurrency: o.concurrency ?? 8, ...(o.connect ? { connect: o.connect } : {}) },
    );
  } catch (e) {
    return failedStatus(env, e);
  }
}

/**
 * Pinned vs deployed version, drift and health of every release of an environment: deployed
 * version and the objects to check come from Helm's release record; drift from diff; health
 * from the live workloads (Deployments available, StatefulSets/DaemonSets ready, Rollouts Healthy).
 * Each release record is read once: the one diff compared against, else (a release diff
 * skipped or could not compute) read here. The caller pings the cluster first.
 */
export async function environmentStatus(
  env: Environment,
  cluster: Cluster,
  o: Omit<DiffOptions, 'onRelease'> = {},
): Promise<EnvironmentStatus> {
  let drift: Map<string, boolean> | undefined;
  let driftError: string | undefined;
  /** Records diff already read, by release (undefined: not installed). */
  const records = new Map<string, HelmRelease | undefined>();
  /** Releases that could not be rendered, with why: only their drift is unknown. */
  const unrendered = new Map<string, string>();
  try {
    const d = await diffEnvironment(env, cluster, { onRenderError: 'collect', ...o });
    drift = new Map(d.releases.map((r) => [r.release, drifted(r.summary)]));
    for (const r of d.releases) records.set(r.release, r.liveRecord);
    for (const s of d.skipped) drift.delete(s.release);
    for (const f of d.failed) unrendered.set(f.release, `not rendered: ${f.reason}`);
  } catch (e) {
    // diffEnvironment's errors are already redacted.
    driftError = (e as Error).message.split('\n')[0];
  }
  const releases = await Promise.all(
    env.releases.map(async (r, i): Promise<ReleaseStatus> => {
      const record = records.has(r.name) ? records.get(r.name) : await helmRelease(cluster, r.namespace, r.name);
      const pinned = pinnedOf(env, i);
      const base = { env: env.name, release: r.name, namespace: r.namespace, pinned };
      const d = drift?.get(r.name);
      const driftPart =
        d === undefined
          ? { drift: null, driftError: unrendered.get(r.name) ?? driftError ?? 'not rendered (upstream chart skipped)' }
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
          const live = await cluster.get(refOf(w, r.namespace));
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
