import { localCluster } from '@kosmos/testkit/vitest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Cluster } from '../src/cluster.ts';

const env = localCluster();
let c: Cluster;
beforeAll(async () => {
  c = await Cluster.fromKubeconfig(env.kubeconfig, undefined, { concurrency: 4 });
});
afterAll(() => c.close());

describe('Cluster against the local kube-apiserver', () => {
  it('discovers kinds once per group/version, scoped correctly', async () => {
    expect(await c.resource('apps/v1', 'Deployment')).toMatchObject({ resource: 'deployments', namespaced: true });
    expect(await c.resource('rbac.authorization.k8s.io/v1', 'ClusterRole')).toMatchObject({ namespaced: false });
    expect(await c.resource('nope.example.com/v1', 'Thing')).toBeUndefined();
  });

  it('reports a missing CRD and a missing namespace as problems, not exceptions', async () => {
    const crd = await c.applyDryRun({
      apiVersion: 'nope.example.com/v1',
      kind: 'Thing',
      metadata: { name: 'x', namespace: 'default' },
    });
    expect(crd).toEqual({
      ok: false,
      problem: {
        kind: 'no-crd',
        apiVersion: 'nope.example.com/v1',
        objectKind: 'Thing',
        message: 'CRD for nope.example.com/v1 Thing not installed',
      },
    });
    const ns = await c.applyDryRun({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'x', namespace: 'kube-no-such-ns' },
    });
    expect(ns).toMatchObject({ ok: false, problem: { kind: 'no-namespace', namespace: 'kube-no-such-ns' } });
  });

  it('dry-runs without writing, and many requests share the bounded pool', async () => {
    const obj = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'kube-dry-run-only', namespace: 'default' },
      data: { a: '1' },
    };
    const results = await Promise.all(Array.from({ length: 30 }, () => c.applyDryRun(obj)));
    expect(results.every((r) => r.ok)).toBe(true);
    expect(c.client.limit.concurrency).toBe(4);
    expect(
      await c.get({ apiVersion: 'v1', kind: 'ConfigMap', name: 'kube-dry-run-only', namespace: 'default' }),
    ).toBeUndefined();
  });
});
