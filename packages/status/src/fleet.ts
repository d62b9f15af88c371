/**
 * Status of an environment with several clusters, or handed to Argo CD: one row per cluster and
 * release, and the environment's rows summed up over its clusters (what promotion's source-health
 * gate reads). Where Argo CD syncs the environment, the rows come from its Applications (sync and
 * health, the version synced); otherwise from each cluster as a single-cluster status does.
 */
import { clustersOf, type Environment, type NamedCluster, resolveTargets } from '@kosmos/environment';
import { type Cluster, withCluster } from '@kosmos/kube';
import type { KubeObject } from '@kosmos/objects';
import { ARGO_LABELS, applicationName } from '@kosmos/render';
import type { EnvironmentStatus, ReleaseStatus } from './status.ts';

/** One release on one cluster. */
export interface ClusterReleaseStatus {
  release: string;
  /** Argo CD's sync status (`Synced`, `OutOfSync`, `Unknown`); null without Argo CD or Application. */
  sync: string | null;
  /** Argo CD's health (`Healthy`, `Progressing`, `Degraded`, `Missing`, `Unknown`), or ours (`ready`, ...). */
  health: string | null;
  /** The chart version running there, or null when unknown. */
  deployed: string | null;
  drift: boolean | null;
  /** Why it is not Synced and Healthy, from Argo CD's conditions or our health check. */
  message?: string;
}

export interface ClusterStatus {
  cluster: string;
  default: boolean;
  /** false when this machine cannot connect to the cluster. */
  reachable: boolean;
  error?: string;
  /** Where the rows come from: Argo CD's Applications, or the cluster's Helm releases. */
  via: 'argocd' | 'helm';
  releases: ClusterReleaseStatus[];
}

export interface FleetOptions {
  stateDir?: string;
  concurrency?: number;
  /** A single cluster's status (statusForEnvironment of the environment narrowed to that cluster). */
  single: (env: Environment) => Promise<EnvironmentStatus>;
}

/** The environment narrowed to one cluster: what every single-cluster verb sees. */
export function onCluster(env: Environment, c: NamedCluster): Environment {
  const { clusters: _, argocd: __, ...rest } = env;
  return { ...rest, cluster: c.cluster };
}

const firstLine = (e: unknown) => ((e instanceof Error ? e.message : String(e)).split('\n')[0] ?? '').trim();

async function ping(env: Environment, o: FleetOptions): Promise<string | undefined> {
  try {
    const targets = await resolveTargets(env, o.stateDir ? { stateDir: o.stateDir } : {});
    await withCluster(env, async () => undefined, { targets });
    return undefined;
  } catch (e) {
    return firstLine(e) || 'unreachable';
  }
}

interface AppStatus {
  sync?: { status?: string; comparedTo?: { source?: { targetRevision?: string } } };
  health?: { status?: string; message?: string };
  history?: { source?: { targetRevision?: string }; deployedAt?: string }[];
  conditions?: { type?: string; message?: string }[];
  operationState?: { phase?: string; message?: string; syncResult?: { source?: { targetRevision?: string } } };
}

/** One Application as a row: its sync and health, and the chart version it last synced. */
export function applicationRow(release: string, app: KubeObject | undefined): ClusterReleaseStatus {
  if (!app) return { release, sync: null, health: 'Missing', deployed: null, drift: null, message: 'no Application' };
  const s = ((app as { status?: AppStatus }).status ?? {}) as AppStatus;
  const sync = s.sync?.status ?? null;
  const deployed =
    s.operationState?.phase === 'Succeeded'
      ? (s.operationState.syncResult?.source?.targetRevision ?? s.history?.at(-1)?.source?.targetRevision ?? null)
      : (s.history?.at(-1)?.source?.targetRevision ?? null);
  const problems = [
    ...(s.conditions ?? []).map((c) => `${c.type}: ${firstLine(c.message)}`),
    ...(s.operationState && !['Succeeded', 'Running'].includes(s.operationState.phase ?? '')
      ? [`sync ${s.operationState.phase}: ${firstLine(s.operationState.message)}`]
      : []),
    ...(s.health?.message && s.health.status !== 'Healthy' ? [firstLine(s.health.message)] : []),
  ];
  return {
    release,
    sync,
    health: s.health?.status ?? null,
    deployed,
    drift: sync === 'Synced' ? false : sync === 'OutOfSync' ? true : null,
    ...(problems.length ? { message: problems.join('; ') } : {}),
  };
}

/** Rows of every cluster, from the Applications Argo CD holds for the environment. */
export function argoClusterRows(
  env: Environment,
  sites: readonly { cluster: NamedCluster; error?: string }[],
  apps: readonly KubeObject[],
): ClusterStatus[] {
  return sites.map(({ cluster, error }) => ({
    cluster: cluster.name,
    default: cluster.default,
    reachable: error === undefined,
    ...(error ? { error } : {}),
    via: 'argocd' as const,
    releases: env.releases.map((r) =>
      applicationRow(
        r.name,
        apps.find((a) => a.metadata.name === applicationName(cluster.name, r.name)),
      ),
    ),
  }));
}

/**
 * The environment's rows over all its clusters: a release runs a version only where every
 * cluster runs it, is `deployed` only where every cluster synced it, and is ready only where
 * it is ready everywhere; what is not names the cluster.
 */
export function summarise(env: Environment, pinned: (i: number) => string, clusters: ClusterStatus[]): ReleaseStatus[] {
  return env.releases.map((r, i) => {
    const rows = clusters.map((c) => ({ c, row: c.releases.find((x) => x.release === r.name) }));
    const pin = pinned(i);
    const down = rows.filter(({ c }) => !c.reachable);
    const versions = new Set(rows.map(({ row }) => row?.deployed ?? null));
    const deployed = versions.size === 1 ? ([...versions][0] ?? null) : null;
    const ready = (row: ClusterReleaseStatus | undefined, via: string) =>
      via === 'argocd' ? row?.health === 'Healthy' : row?.health === 'ready' || row?.health === 'no workloads';
    const unready = rows.flatMap(({ c, row }) =>
      c.reachable && !ready(row, c.via)
        ? [`${c.cluster}: ${row?.health ?? 'unknown'}${row?.message ? ` (${row.message})` : ''}`]
        : [],
    );
    const unsynced = rows.filter(({ c, row }) => c.via === 'argocd' && c.reachable && row?.sync !== 'Synced');
    const mixed =
      versions.size > 1
        ? `; versions differ: ${rows.map(({ c, row }) => `${c.cluster} ${row?.deployed ?? '-'}`).join(', ')}`
        : '';
    const drifts = rows.map(({ row }) => row?.drift ?? null);
    return {
      env: env.name,
      release: r.name,
      namespace: r.namespace,
      pinned: pin,
      deployed,
      helmStatus: unsynced.length
        ? `${unsynced.map(({ c, row }) => `${row?.sync ?? 'no Application'} on ${c.cluster}`).join(', ')}${mixed}`
        : deployed === null && mixed
          ? mixed.slice(2)
          : deployed === null
            ? null
            : 'deployed',
      drift: drifts.some((d) => d === true) ? true : drifts.every((d) => d === false) ? false : null,
      health: down.length ? 'unreachable' : unready.length ? 'not ready' : 'ready',
      unready,
      upToDate: deployed === null ? false : deployed === (pin.startsWith('tree (') ? pin.slice(6, -1) : pin),
    };
  });
}

/** The error line of a fleet with unreachable clusters: each one named. */
export function unreachableSites(clusters: readonly ClusterStatus[]): string | undefined {
  const down = clusters.filter((c) => !c.reachable);
  return down.length ? down.map((c) => `cluster ${c.cluster} is unreachable (${c.error})`).join('; ') : undefined;
}

/**
 * Every cluster of the environment. With Argo CD: each site is pinged from here (is it
 * reachable at all?) and the Applications are read from Argo CD's control plane. Without: each
 * cluster's own status, as if it were the environment's only one.
 */
export async function fleetStatus(
  env: Environment,
  pinned: (i: number) => string,
  o: FleetOptions,
): Promise<EnvironmentStatus & { clusters: ClusterStatus[] }> {
  const named = clustersOf(env);
  let clusters: ClusterStatus[];
  if (env.argocd) {
    const argo = env.argocd;
    const sites = await Promise.all(
      named.map(async (c) => {
        const error = await ping(onCluster(env, c), o);
        return { cluster: c, ...(error ? { error } : {}) };
      }),
    );
    const plane: Environment = { ...onCluster(env, named[0] as NamedCluster), cluster: argo.controlPlane };
    const targets = await resolveTargets(plane, o.stateDir ? { stateDir: o.stateDir } : {});
    const apps = await withCluster(
      plane,
      (cluster: Cluster) =>
        cluster.list('argoproj.io/v1alpha1', 'Application', {
          namespace: argo.namespace,
          labelSelector: `${ARGO_LABELS.environment}=${env.name}`,
        }),
      { targets, concurrency: o.concurrency ?? 8 },
    );
    clusters = argoClusterRows(env, sites, apps);
  } else {
    clusters = await Promise.all(
      named.map(async (c): Promise<ClusterStatus> => {
        const s = await o.single(onCluster(env, c));
        return {
          cluster: c.name,
          default: c.default,
          reachable: s.reachable,
          ...(s.error ? { error: s.error } : {}),
          via: 'helm',
          releases: s.releases.map((r) => ({
            release: r.release,
            sync: null,
            health: r.health,
            deployed: r.deployed,
            drift: r.drift,
            ...(r.unready.length ? { message: r.unready.join(', ') } : {}),
          })),
        };
      }),
    );
  }
  const error = unreachableSites(clusters);
  return {
    env: env.name,
    reachable: true,
    ...(error ? { error } : {}),
    releases: summarise(env, pinned, clusters),
    clusters,
  };
}
