import type { Cluster } from '@kosmos/kube';
import type { KubeObject } from '@kosmos/objects';
import { refOf } from '@kosmos/objects';

/** An object of a release that is not Ready, and why, for people and for CI. */
export interface UnreadyObject {
  kind: string;
  namespace: string;
  name: string;
  /** `0/1 ready; pod postgresql-0 unschedulable: 0/3 nodes are available: ...` */
  reason: string;
}

/** What the deploy decided not to wait for, and why (a Rollout no controller reports on). */
export interface UncheckedObject {
  kind: string;
  namespace: string;
  name: string;
  reason: string;
}

export const WORKLOAD_KINDS = ['Deployment', 'StatefulSet', 'DaemonSet', 'Rollout'] as const;

type Condition = { type: string; status: string; reason?: string; message?: string };
type Status = Record<string, unknown> & { conditions?: Condition[] };
const num = (v: unknown) => (typeof v === 'number' ? v : 0);

/**
 * Why a live workload is not Ready at its current spec, or undefined when it is. Stricter than
 * "enough replicas available": during a rolling update the old pods stay available, so the spec
 * must have been observed and every replica must run the new template (kstatus's rule).
 * A Rollout is Ready in phase Healthy; one without any status is reported by `hasNoStatus`.
 */
export function notReadyReason(o: KubeObject): string | undefined {
  const status = (o.status ?? {}) as Status;
  const spec = (o.spec ?? {}) as { replicas?: number };
  const generation = typeof o.metadata.generation === 'number' ? o.metadata.generation : 0;
  // Argo Rollouts writes observedGeneration as a string; an unreadable one is not held against it.
  const observed = Number(status.observedGeneration ?? 0);
  const stale =
    !Number.isNaN(observed) && observed < generation ? `generation ${generation} not yet observed` : undefined;
  const want = spec.replicas ?? 1;
  switch (o.kind) {
    case 'Deployment': {
      const updated = num(status.updatedReplicas);
      const available = num(status.availableReplicas);
      const failure = status.conditions?.find(
        (c) =>
          (c.type === 'ReplicaFailure' && c.status === 'True') || (c.type === 'Progressing' && c.status === 'False'),
      );
      if (stale) return stale;
      const pods = num(status.replicas);
      if (updated < want || available < want || pods > want)
        return `${available}/${want} available, ${updated} updated, ${pods} in all${failure?.message ? `; ${failure.message}` : ''}`;
      return undefined;
    }
    case 'StatefulSet': {
      const ready = num(status.readyReplicas);
      const updated = status.updateRevision ? num(status.updatedReplicas) : ready;
      if (stale) return stale;
      if (ready < want || updated < want) return `${ready}/${want} ready, ${updated} updated`;
      return undefined;
    }
    case 'DaemonSet': {
      const desired = num(status.desiredNumberScheduled);
      const ready = num(status.numberReady);
      const updated = num(status.updatedNumberScheduled);
      if (stale) return stale;
      if (ready < desired || updated < desired) return `${ready}/${desired} ready, ${updated} updated`;
      return undefined;
    }
    case 'Rollout': {
      const phase = typeof status.phase === 'string' ? status.phase : 'Unknown';
      if (phase === 'Healthy' && !stale) return undefined;
      const message = typeof status.message === 'string' && status.message ? `: ${status.message}` : '';
      return `phase ${phase}${message}`;
    }
    default:
      return undefined;
  }
}

/** A Rollout that no Argo Rollouts controller has touched: no status at all. */
export function hasNoStatus(o: KubeObject): boolean {
  const s = o.status as Status | undefined;
  return !s || (s.phase === undefined && s.observedGeneration === undefined && !s.conditions?.length);
}

/** A Rollout the controller gave up on: no point waiting for it. */
export function isDegraded(o: KubeObject): boolean {
  return o.kind === 'Rollout' && (o.status as Status | undefined)?.phase === 'Degraded';
}

/** Why a pod is not Ready, from its conditions and container states, or undefined when it is. */
export function podProblem(pod: KubeObject): string | undefined {
  const status = (pod.status ?? {}) as Status & {
    phase?: string;
    containerStatuses?: { name: string; state?: Record<string, { reason?: string; message?: string }> }[];
  };
  const conditions = status.conditions ?? [];
  const scheduled = conditions.find((c) => c.type === 'PodScheduled');
  if (scheduled?.status === 'False')
    return `${(scheduled.reason ?? 'unscheduled').toLowerCase()}: ${scheduled.message ?? 'not scheduled'}`;
  for (const c of status.containerStatuses ?? []) {
    const waiting = c.state?.waiting;
    if (waiting?.reason) return `container ${c.name} ${waiting.reason}${waiting.message ? `: ${waiting.message}` : ''}`;
  }
  const ready = conditions.find((c) => c.type === 'Ready');
  if (ready?.status === 'True') return undefined;
  return `${status.phase ?? 'Pending'}${ready?.reason ? `, ${ready.reason}` : ''}${ready?.message ? `: ${ready.message}` : ''}`;
}

const selectorOf = (o: KubeObject): string | undefined => {
  const labels = ((o.spec as { selector?: { matchLabels?: Record<string, string> } } | undefined)?.selector
    ?.matchLabels ?? {}) as Record<string, string>;
  const pairs = Object.entries(labels).map(([k, v]) => `${k}=${v}`);
  return pairs.length ? pairs.join(',') : undefined;
};

/** The first pod problem among a workload's pods, newest pods first (they run the new template). */
async function podReason(cluster: Cluster, o: KubeObject): Promise<string | undefined> {
  const selector = selectorOf(o);
  if (!selector || o.kind === 'Rollout') return undefined;
  const pods = await cluster.list('v1', 'Pod', {
    ...(o.metadata.namespace ? { namespace: o.metadata.namespace } : {}),
    labelSelector: selector,
  });
  pods.sort((a, b) =>
    String(b.metadata.creationTimestamp ?? '').localeCompare(String(a.metadata.creationTimestamp ?? '')),
  );
  for (const p of pods) {
    const why = podProblem(p);
    if (why) return `pod ${p.metadata.name} ${why}`;
  }
  return pods.length === 0 ? 'no pods' : undefined;
}

export interface Inspection {
  unready: UnreadyObject[];
  /** Rollouts without any status (no controller has seen them). */
  statusless: UnreadyObject[];
  degraded: UnreadyObject[];
}

/** The live state of a release's workloads (from its manifest), each not-Ready one with why. */
export async function inspectWorkloads(
  cluster: Cluster,
  objects: readonly KubeObject[],
  namespace: string,
): Promise<Inspection> {
  const out: Inspection = { unready: [], statusless: [], degraded: [] };
  const workloads = objects.filter((o) => (WORKLOAD_KINDS as readonly string[]).includes(o.kind));
  await Promise.all(
    workloads.map(async (w) => {
      const ref = refOf(w, namespace);
      const id = { kind: w.kind, namespace: ref.namespace ?? namespace, name: w.metadata.name };
      const live = await cluster.get(ref);
      if (!live) {
        out.unready.push({ ...id, reason: 'does not exist' });
        return;
      }
      if (live.kind === 'Rollout' && hasNoStatus(live)) {
        out.statusless.push({ ...id, reason: 'no status: no Argo Rollouts controller has reported on it' });
        return;
      }
      const why = notReadyReason(live);
      if (!why) return;
      const pods = await podReason(cluster, live);
      const entry = { ...id, reason: pods ? `${why}; ${pods}` : why };
      out.unready.push(entry);
      if (isDegraded(live)) out.degraded.push(entry);
    }),
  );
  const byId = (a: UnreadyObject, b: UnreadyObject) =>
    `${a.kind}/${a.namespace}/${a.name}`.localeCompare(`${b.kind}/${b.namespace}/${b.name}`);
  out.unready.sort(byId);
  out.statusless.sort(byId);
  return out;
}
