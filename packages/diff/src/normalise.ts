import type { KubeObject } from '@kosmos/objects';

/** Metadata the API server sets and owns; never drift. */
export const SERVER_METADATA = [
  'managedFields',
  'resourceVersion',
  'uid',
  'generation',
  'creationTimestamp',
  'selfLink',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
] as const;

/** Annotations written by controllers and clients rather than by charts. */
export const SERVER_ANNOTATIONS = [
  'deployment.kubernetes.io/revision',
  'kubectl.kubernetes.io/last-applied-configuration',
  'kubectl.kubernetes.io/restartedAt',
  'rollout.argoproj.io/revision',
  'autoscaling.alpha.kubernetes.io/conditions',
  'autoscaling.alpha.kubernetes.io/current-metrics',
  'pv.kubernetes.io/bind-completed',
  'pv.kubernetes.io/bound-by-controller',
  'volume.beta.kubernetes.io/storage-provisioner',
  'volume.kubernetes.io/storage-provisioner',
  'volume.kubernetes.io/selected-node',
] as const;

/** Deep copy with object keys sorted, so equal objects print identically. */
export function sortKeys<T>(v: T): T {
  if (Array.isArray(v)) return v.map(sortKeys) as T;
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) out[k] = sortKeys((v as Record<string, unknown>)[k]);
    return out as T;
  }
  return v;
}

/**
 * An object as a chart author sees it: without status, server-owned metadata and annotations
 * (including kubectl's last-applied copy, which would also repeat a Secret's data), keys sorted.
 * Works the same on a live object and on a dry-run result.
 */
export function normalise(o: KubeObject): KubeObject {
  const copy = structuredClone(o) as KubeObject;
  delete copy.status;
  const meta = copy.metadata as Record<string, unknown>;
  for (const k of SERVER_METADATA) delete meta[k];
  const ann = copy.metadata.annotations;
  if (ann) {
    for (const k of SERVER_ANNOTATIONS) delete ann[k];
    if (Object.keys(ann).length === 0) delete copy.metadata.annotations;
  }
  if (copy.metadata.labels && Object.keys(copy.metadata.labels).length === 0) delete copy.metadata.labels;
  return sortKeys(copy);
}
