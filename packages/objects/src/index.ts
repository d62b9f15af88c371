/** A Kubernetes object as helm renders it and the API server returns it. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    [k: string]: unknown;
  };
  [k: string]: unknown;
}

/** What identifies an object in a cluster. */
export interface ObjectRef {
  apiVersion: string;
  kind: string;
  name: string;
  namespace?: string;
}

/**
 * The reference of an object. `defaultNamespace` is used only when the object names no
 * namespace (as helm gives a release's objects the release namespace); the object's own
 * namespace always wins. Pass it only for namespaced kinds, or use `Cluster.withNamespace`
 * first, which knows from discovery which kinds are namespaced.
 */
export const refOf = (o: KubeObject, defaultNamespace?: string): ObjectRef => {
  const namespace = o.metadata.namespace || defaultNamespace;
  return { apiVersion: o.apiVersion, kind: o.kind, name: o.metadata.name, ...(namespace ? { namespace } : {}) };
};

/** `apiVersion/Kind/namespace/name` (no namespace segment for cluster-scoped objects). */
export const objectId = (o: KubeObject) =>
  `${o.apiVersion}/${o.kind}/${o.metadata.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata.name}`;

/**
 * Compares strings by UTF-16 code units: unlike localeCompare, the order does not change with
 * the machine's locale, so rendered output stays byte-identical everywhere.
 */
export const byCodeUnit = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

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

/** Total order on objects: helm's install rank of the kind, then kind, apiVersion, namespace, name. */
export function compareObjects(a: KubeObject, b: KubeObject): number {
  return (
    rank(a.kind) - rank(b.kind) ||
    byCodeUnit(a.kind, b.kind) ||
    byCodeUnit(a.apiVersion, b.apiVersion) ||
    byCodeUnit(a.metadata.namespace ?? '', b.metadata.namespace ?? '') ||
    byCodeUnit(a.metadata.name, b.metadata.name)
  );
}
