import type { KubeObject } from '@kosmos/objects';

/** Whether one workload is Ready, with a short reason when it is not. */
export interface Health {
  ready: boolean;
  /** `Deployment/web 1/3 available`, for people. */
  detail: string;
}

type Status = Record<string, unknown> & { conditions?: { type: string; status: string }[] };
const num = (v: unknown) => (typeof v === 'number' ? v : 0);

/**
 * Health of a live workload, or undefined for kinds that are not workloads:
 * Deployments available (condition Available and every replica available), StatefulSets and
 * DaemonSets with every replica ready, Argo Rollouts in phase Healthy.
 */
export function workloadHealth(o: KubeObject): Health | undefined {
  const status = (o.status ?? {}) as Status;
  const spec = (o.spec ?? {}) as { replicas?: number };
  const id = `${o.kind}/${o.metadata.name}`;
  const want = spec.replicas ?? 1;
  switch (o.kind) {
    case 'Deployment': {
      const available = num(status.availableReplicas);
      const cond = status.conditions?.find((c) => c.type === 'Available')?.status === 'True';
      return { ready: cond && available >= want, detail: `${id} ${available}/${want} available` };
    }
    case 'StatefulSet': {
      const ready = num(status.readyReplicas);
      return { ready: ready >= want, detail: `${id} ${ready}/${want} ready` };
    }
    case 'DaemonSet': {
      const ready = num(status.numberReady);
      const desired = num(status.desiredNumberScheduled);
      return { ready: ready >= desired, detail: `${id} ${ready}/${desired} ready` };
    }
    case 'Rollout': {
      const phase = typeof status.phase === 'string' ? status.phase : 'Unknown';
      return { ready: phase === 'Healthy', detail: `${id} ${phase}` };
    }
    default:
      return undefined;
  }
}
