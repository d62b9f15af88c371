import type { KubeObject, ObjectRef } from './types.ts';

/** Kinds that run pods (a Rollout with `workloadRef` borrows a Deployment's template instead). */
export const WORKLOAD_KINDS = new Set([
  'Deployment',
  'StatefulSet',
  'DaemonSet',
  'ReplicaSet',
  'Job',
  'CronJob',
  'Rollout',
  'Pod',
]);

/** Core kinds that live outside namespaces (CRD kinds say so in their CRD). */
export const CLUSTER_SCOPED = new Set([
  'Namespace',
  'Node',
  'PersistentVolume',
  'ClusterRole',
  'ClusterRoleBinding',
  'StorageClass',
  'CSIDriver',
  'CSINode',
  'VolumeAttachment',
  'VolumeAttributesClass',
  'CustomResourceDefinition',
  'APIService',
  'PriorityClass',
  'RuntimeClass',
  'IngressClass',
  'MutatingWebhookConfiguration',
  'ValidatingWebhookConfiguration',
  'ValidatingAdmissionPolicy',
  'ValidatingAdmissionPolicyBinding',
  'MutatingAdmissionPolicy',
  'MutatingAdmissionPolicyBinding',
  'FlowSchema',
  'PriorityLevelConfiguration',
  'CertificateSigningRequest',
  'ClusterTrustBundle',
  'DeviceClass',
  'IPAddress',
  'ServiceCIDR',
  'StorageVersionMigration',
]);

export type Obj = Record<string, unknown>;

export const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
export const asObj = (v: unknown): Obj => (isObj(v) ? v : {});
export const asList = (v: unknown): Obj[] => (Array.isArray(v) ? v.filter(isObj) : []);

export function showRef(r: ObjectRef): string {
  return `${r.kind} ${r.namespace ? `${r.namespace}/` : ''}${r.name}`;
}

export interface PodTemplate {
  labels: Record<string, string>;
  spec: Obj;
}

/**
 * The pod template a workload runs, in one place for every rule: Deployment, StatefulSet,
 * DaemonSet, ReplicaSet, Job and Rollout under spec.template, CronJob under
 * spec.jobTemplate.spec.template, a Pod is its own. A Rollout with `workloadRef` has no
 * template of its own (the referenced Deployment is checked instead): undefined.
 */
export function podTemplateOf(o: KubeObject): PodTemplate | undefined {
  if (!WORKLOAD_KINDS.has(o.kind)) return undefined;
  const spec = asObj(o.spec);
  let tpl: Obj | undefined;
  if (o.kind === 'Pod') tpl = { metadata: o.metadata, spec };
  else if (o.kind === 'CronJob') tpl = asObj(asObj(asObj(spec.jobTemplate).spec).template);
  else if (o.kind === 'Rollout' && spec.workloadRef) return undefined;
  else tpl = asObj(spec.template);
  const labels = asObj(asObj(tpl.metadata).labels) as Record<string, string>;
  return { labels, spec: asObj(tpl.spec) };
}

export type ContainerType = 'container' | 'initContainer' | 'ephemeralContainer';

export interface ContainerOf {
  type: ContainerType;
  name: string;
  container: Obj;
}

/** Every container of a pod spec (init and ephemeral too). */
export function containersOf(spec: Obj): ContainerOf[] {
  const pick = (key: string, type: ContainerType) =>
    asList(spec[key]).map((c) => ({ type, name: String(c.name ?? '?'), container: c }));
  return [
    ...pick('initContainers', 'initContainer'),
    ...pick('containers', 'container'),
    ...pick('ephemeralContainers', 'ephemeralContainer'),
  ];
}

/** An init container with restartPolicy Always is a sidecar: it runs beside the app. */
export function isSidecar(c: ContainerOf): boolean {
  return c.type === 'initContainer' && c.container.restartPolicy === 'Always';
}

export function containerLabel(c: ContainerOf): string {
  return c.type === 'container' ? `container "${c.name}"` : `${c.type} "${c.name}"`;
}

/** Whether a Kubernetes label selector (matchLabels + matchExpressions) selects these labels. */
export function selects(selector: unknown, labels: Record<string, string>): boolean {
  const s = asObj(selector);
  for (const [k, v] of Object.entries(asObj(s.matchLabels))) if (labels[k] !== v) return false;
  for (const e of asList(s.matchExpressions)) {
    const key = String(e.key);
    const values = Array.isArray(e.values) ? e.values.map(String) : [];
    const has = Object.hasOwn(labels, key);
    switch (e.operator) {
      case 'In':
        if (!has || !values.includes(labels[key] as string)) return false;
        break;
      case 'NotIn':
        if (has && values.includes(labels[key] as string)) return false;
        break;
      case 'Exists':
        if (!has) return false;
        break;
      case 'DoesNotExist':
        if (has) return false;
        break;
      default:
        return false;
    }
  }
  return true;
}

/** `apps/v1` -> `apps`, `v1` -> `` */
export function groupOf(apiVersion: string): string {
  const i = apiVersion.indexOf('/');
  return i < 0 ? '' : apiVersion.slice(0, i);
}

/** Compares `1.25` with `v1.36.3` on major.minor. */
export function minorAtLeast(version: string, atLeast: string): boolean {
  const [a1 = 0, a2 = 0] = version.replace(/^v/, '').split('.').map(Number);
  const [b1 = 0, b2 = 0] = atLeast.replace(/^v/, '').split('.').map(Number);
  return a1 !== b1 ? a1 > b1 : a2 >= b2;
}
