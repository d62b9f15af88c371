import type { KubeObject } from '@kosmos/objects';
import { describe, expect, it } from 'vitest';
import { normalise } from '../src/normalise.ts';

const live: KubeObject = {
  kind: 'Deployment',
  apiVersion: 'apps/v1',
  metadata: {
    name: 'web',
    namespace: 'ns',
    uid: 'u-1',
    resourceVersion: '42',
    generation: 3,
    creationTimestamp: '2026-01-01T00:00:00Z',
    managedFields: [{ manager: 'helm' }],
    labels: { app: 'web' },
    annotations: {
      'deployment.kubernetes.io/revision': '3',
      'kubectl.kubernetes.io/last-applied-configuration': '{"data":{"password":"x"}}',
      'meta.helm.sh/release-name': 'web',
    },
  },
  spec: { replicas: 2 },
  status: { availableReplicas: 2 },
};

describe('normalise', () => {
  it('drops server-owned metadata, annotations and status, keeps the rest', () => {
    expect(normalise(live)).toEqual({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: {
        name: 'web',
        namespace: 'ns',
        labels: { app: 'web' },
        annotations: { 'meta.helm.sh/release-name': 'web' },
      },
      spec: { replicas: 2 },
    });
  });

  it('sorts keys, so equal objects in any key order print the same', () => {
    expect(Object.keys(normalise(live))).toEqual(['apiVersion', 'kind', 'metadata', 'spec']);
  });

  it('removes annotations that become empty and never mutates its input', () => {
    const o = { ...live, metadata: { ...live.metadata, annotations: { 'deployment.kubernetes.io/revision': '1' } } };
    expect(normalise(o).metadata.annotations).toBeUndefined();
    expect(o.metadata.annotations).toEqual({ 'deployment.kubernetes.io/revision': '1' });
    expect(live.status).toBeDefined();
  });
});
