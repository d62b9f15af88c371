import type { KubeObject } from '@kosmos/helm';

/** Helm's install order of kinds: objects others depend on come first. */
const KIND_ORDER = [
  'PriorityClass',
  'Namespace',
  'NetworkPolicy',
  'ResourceQuota',
  'LimitRange',
  'PodDisruptionBudget',
  'ServiceAccount',
  'Secret',
  'ConfigMap',
  'StorageClass',
  'PersistentVolume',
  'PersistentVolumeClaim',
  'CustomResourceDefinition',
  'ClusterRole',
  'ClusterRoleBinding',
  'Role',
  'RoleBinding',
  'Service',
  'DaemonSet',
  'Pod',
  'ReplicaSet',
  'Deployment',
  'HorizontalPodAutoscaler',
  'StatefulSet',
  'Job',
  'CronJob',
  'IngressClass',
  'Ingress',
  'APIService',
  'MutatingWebhookConfiguration',
  'ValidatingWebhookConfiguration',
];

const rank = (kind: string) => {
  const i = KIND_ORDER.indexOf(kind);
  return i === -1 ? KIND_ORDER.length : i;
};

/**
 * Compares strings by UTF-16 code units: unlike localeCompare, the order does not change with
 * the machine's locale, so rendered output stays byte-identical everywhere.
 */
export const byCodeUnit = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Total order on objects: kind rank, then kind, apiVersion, namespace, name. */
export function compareObjects(a: KubeObject, b: KubeObject): number {
  return (
    rank(a.kind) - rank(b.kind) ||
    byCodeUnit(a.kind, b.kind) ||
    byCodeUnit(a.apiVersion, b.apiVersion) ||
    byCodeUnit(a.metadata.namespace ?? '', b.metadata.namespace ?? '') ||
    byCodeUnit(a.metadata.name, b.metadata.name)
  );
}

export const objectId = (o: KubeObject) =>
  `${o.apiVersion}/${o.kind}/${o.metadata.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata.name}`;
