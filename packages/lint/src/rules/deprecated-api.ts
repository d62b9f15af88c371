import { minorAtLeast } from '../k8s.ts';
import type { ObjectRule } from '../types.ts';

export interface ApiFact {
  apiVersion: string;
  /** Kinds of that apiVersion the fact is about; `*` for all of them. */
  kinds: readonly string[];
  deprecatedIn: string;
  /** Absent: deprecated but still served. */
  removedIn?: string;
  use: string;
}

/**
 * Facts from the Kubernetes deprecated API migration guide
 * (kubernetes.io/docs/reference/using-api/deprecation-guide/).
 */
export const API_FACTS: readonly ApiFact[] = [
  {
    apiVersion: 'extensions/v1beta1',
    kinds: ['Deployment', 'DaemonSet', 'ReplicaSet', 'NetworkPolicy', 'PodSecurityPolicy'],
    deprecatedIn: '1.8',
    removedIn: '1.16',
    use: 'apps/v1 (networking.k8s.io/v1 for NetworkPolicy)',
  },
  { apiVersion: 'apps/v1beta1', kinds: ['*'], deprecatedIn: '1.9', removedIn: '1.16', use: 'apps/v1' },
  { apiVersion: 'apps/v1beta2', kinds: ['*'], deprecatedIn: '1.9', removedIn: '1.16', use: 'apps/v1' },
  {
    apiVersion: 'extensions/v1beta1',
    kinds: ['Ingress'],
    deprecatedIn: '1.14',
    removedIn: '1.22',
    use: 'networking.k8s.io/v1',
  },
  {
    apiVersion: 'networking.k8s.io/v1beta1',
    kinds: ['Ingress', 'IngressClass'],
    deprecatedIn: '1.19',
    removedIn: '1.22',
    use: 'networking.k8s.io/v1',
  },
  {
    apiVersion: 'admissionregistration.k8s.io/v1beta1',
    kinds: ['MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration'],
    deprecatedIn: '1.16',
    removedIn: '1.22',
    use: 'admissionregistration.k8s.io/v1',
  },
  {
    apiVersion: 'apiextensions.k8s.io/v1beta1',
    kinds: ['CustomResourceDefinition'],
    deprecatedIn: '1.16',
    removedIn: '1.22',
    use: 'apiextensions.k8s.io/v1',
  },
  {
    apiVersion: 'apiregistration.k8s.io/v1beta1',
    kinds: ['APIService'],
    deprecatedIn: '1.19',
    removedIn: '1.22',
    use: 'apiregistration.k8s.io/v1',
  },
  {
    apiVersion: 'certificates.k8s.io/v1beta1',
    kinds: ['CertificateSigningRequest'],
    deprecatedIn: '1.19',
    removedIn: '1.22',
    use: 'certificates.k8s.io/v1',
  },
  {
    apiVersion: 'coordination.k8s.io/v1beta1',
    kinds: ['Lease'],
    deprecatedIn: '1.19',
    removedIn: '1.22',
    use: 'coordination.k8s.io/v1',
  },
  {
    apiVersion: 'rbac.authorization.k8s.io/v1beta1',
    kinds: ['*'],
    deprecatedIn: '1.17',
    removedIn: '1.22',
    use: 'rbac.authorization.k8s.io/v1',
  },
  {
    apiVersion: 'scheduling.k8s.io/v1beta1',
    kinds: ['PriorityClass'],
    deprecatedIn: '1.14',
    removedIn: '1.22',
    use: 'scheduling.k8s.io/v1',
  },
  {
    apiVersion: 'storage.k8s.io/v1beta1',
    kinds: ['CSIDriver', 'CSINode', 'StorageClass', 'VolumeAttachment'],
    deprecatedIn: '1.19',
    removedIn: '1.22',
    use: 'storage.k8s.io/v1',
  },
  { apiVersion: 'batch/v1beta1', kinds: ['CronJob'], deprecatedIn: '1.21', removedIn: '1.25', use: 'batch/v1' },
  {
    apiVersion: 'discovery.k8s.io/v1beta1',
    kinds: ['EndpointSlice'],
    deprecatedIn: '1.21',
    removedIn: '1.25',
    use: 'discovery.k8s.io/v1',
  },
  {
    apiVersion: 'events.k8s.io/v1beta1',
    kinds: ['Event'],
    deprecatedIn: '1.19',
    removedIn: '1.25',
    use: 'events.k8s.io/v1',
  },
  {
    apiVersion: 'autoscaling/v2beta1',
    kinds: ['HorizontalPodAutoscaler'],
    deprecatedIn: '1.22',
    removedIn: '1.25',
    use: 'autoscaling/v2',
  },
  {
    apiVersion: 'policy/v1beta1',
    kinds: ['PodDisruptionBudget'],
    deprecatedIn: '1.21',
    removedIn: '1.25',
    use: 'policy/v1',
  },
  {
    apiVersion: 'policy/v1beta1',
    kinds: ['PodSecurityPolicy'],
    deprecatedIn: '1.21',
    removedIn: '1.25',
    use: 'Pod Security admission (namespace labels)',
  },
  {
    apiVersion: 'node.k8s.io/v1beta1',
    kinds: ['RuntimeClass'],
    deprecatedIn: '1.20',
    removedIn: '1.25',
    use: 'node.k8s.io/v1',
  },
  {
    apiVersion: 'flowcontrol.apiserver.k8s.io/v1beta1',
    kinds: ['FlowSchema', 'PriorityLevelConfiguration'],
    deprecatedIn: '1.23',
    removedIn: '1.26',
    use: 'flowcontrol.apiserver.k8s.io/v1',
  },
  {
    apiVersion: 'autoscaling/v2beta2',
    kinds: ['HorizontalPodAutoscaler'],
    deprecatedIn: '1.23',
    removedIn: '1.26',
    use: 'autoscaling/v2',
  },
  {
    apiVersion: 'storage.k8s.io/v1beta1',
    kinds: ['CSIStorageCapacity'],
    deprecatedIn: '1.24',
    removedIn: '1.27',
    use: 'storage.k8s.io/v1',
  },
  {
    apiVersion: 'flowcontrol.apiserver.k8s.io/v1beta2',
    kinds: ['FlowSchema', 'PriorityLevelConfiguration'],
    deprecatedIn: '1.26',
    removedIn: '1.29',
    use: 'flowcontrol.apiserver.k8s.io/v1',
  },
  {
    apiVersion: 'flowcontrol.apiserver.k8s.io/v1beta3',
    kinds: ['FlowSchema', 'PriorityLevelConfiguration'],
    deprecatedIn: '1.29',
    removedIn: '1.32',
    use: 'flowcontrol.apiserver.k8s.io/v1',
  },
  { apiVersion: 'v1', kinds: ['Endpoints'], deprecatedIn: '1.33', use: 'discovery.k8s.io/v1 EndpointSlice' },
  { apiVersion: 'v1', kinds: ['ComponentStatus'], deprecatedIn: '1.19', use: 'the /livez and /readyz endpoints' },
];

/** The fact about this apiVersion and kind, if any. */
export function apiFact(apiVersion: string, kind: string): ApiFact | undefined {
  return API_FACTS.find((f) => f.apiVersion === apiVersion && (f.kinds.includes(kind) || f.kinds.includes('*')));
}

/** Whether the target version no longer serves this API (the schema layer stays silent then). */
export function removedIn(apiVersion: string, kind: string, kubernetesVersion: string): string | undefined {
  const f = apiFact(apiVersion, kind);
  return f?.removedIn && minorAtLeast(kubernetesVersion, f.removedIn) ? f.removedIn : undefined;
}

export const deprecatedApi: ObjectRule = {
  id: 'deprecated-api',
  severity: 'error',
  description: 'No API removed in the target Kubernetes version (error) or deprecated there (warning).',
  scope: 'object',
  check(o, ctx) {
    const f = apiFact(o.apiVersion, o.kind);
    if (!f) return [];
    if (f.removedIn && minorAtLeast(ctx.kubernetesVersion, f.removedIn)) {
      return [
        {
          message: `${o.apiVersion} ${o.kind} was removed in Kubernetes ${f.removedIn} (target ${ctx.kubernetesVersion}); use ${f.use}`,
        },
      ];
    }
    if (minorAtLeast(ctx.kubernetesVersion, f.deprecatedIn)) {
      const until = f.removedIn ? `, removed in ${f.removedIn}` : '';
      return [
        {
          severity: 'warning',
          message: `${o.apiVersion} ${o.kind} is deprecated since Kubernetes ${f.deprecatedIn}${until}; use ${f.use}`,
        },
      ];
    }
    return [];
  },
};
