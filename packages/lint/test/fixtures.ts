import type { KubeObject, Placed } from '../src/index.ts';

/** A Deployment that passes every policy rule; tests break one thing at a time. */
export function goodDeployment(name = 'api', replicas = 2): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: 'kosmos-core', labels: { 'app.kubernetes.io/name': name } },
    spec: {
      replicas,
      selector: { matchLabels: { 'app.kubernetes.io/name': name } },
      template: {
        metadata: { labels: { 'app.kubernetes.io/name': name, 'app.kubernetes.io/instance': 'core' } },
        spec: {
          serviceAccountName: name,
          securityContext: { runAsNonRoot: true, runAsUser: 10001, seccompProfile: { type: 'RuntimeDefault' } },
          containers: [
            {
              name,
              image:
                'docker.io/nuvanta/api:v1.2.3@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef',
              ports: [{ containerPort: 8000, name: 'http' }],
              resources: { requests: { cpu: '50m', memory: '64Mi' }, limits: { cpu: '250m', memory: '128Mi' } },
              livenessProbe: { httpGet: { path: '/healthz', port: 'http' } },
              readinessProbe: { httpGet: { path: '/ready', port: 'http' } },
              securityContext: {
                allowPrivilegeEscalation: false,
                readOnlyRootFilesystem: true,
                capabilities: { drop: ['ALL'] },
              },
            },
          ],
        },
      },
    },
  };
}

// biome-ignore lint/suspicious/noExplicitAny: tests reach into nested fixture objects
type Mutable = Record<string, any>;

/** A deep copy of `o` changed by `f`. */
export function mutate(o: KubeObject, f: (m: Mutable) => void): KubeObject {
  const c = structuredClone(o) as Mutable;
  f(c);
  return c as KubeObject;
}

export const container = (m: Mutable) => m.spec.template.spec.containers[0];

export function placed(objects: KubeObject[]): Placed[] {
  return objects.map((object) => ({ object, namespace: object.metadata.namespace ?? 'kosmos-core', release: 'r' }));
}

export const pdb = (selector: Record<string, string>): KubeObject => ({
  apiVersion: 'policy/v1',
  kind: 'PodDisruptionBudget',
  metadata: { name: 'api', namespace: 'kosmos-core' },
  spec: { maxUnavailable: 1, selector: { matchLabels: selector } },
});

export const namespace = (name: string): KubeObject => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });

export const denyAll = (ns: string): KubeObject => ({
  apiVersion: 'networking.k8s.io/v1',
  kind: 'NetworkPolicy',
  metadata: { name: 'default-deny', namespace: ns },
  spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'] },
});
