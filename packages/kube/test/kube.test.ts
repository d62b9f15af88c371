import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Environment } from '@kosmos/environment';
import { UserError } from '@kosmos/errors';
import { describe, expect, it } from 'vitest';
import { ApiError, KubeClient, KubeConnectionError, KubeError } from '../src/client.ts';
import { type Cluster, withCluster } from '../src/cluster.ts';
import { workloadHealth } from '../src/health.ts';
import { decodeReleaseRecord } from '../src/helm-release.ts';

describe('decodeReleaseRecord', () => {
  it('decodes base64 → base64 → gzip → JSON and keeps no values', () => {
    const json = {
      name: 'app',
      namespace: 'ns',
      version: 3,
      info: { status: 'deployed' },
      chart: { metadata: { name: 'diff-app', version: '0.3.0', appVersion: '1.0.0' } },
      config: { password: 's3cr3t-x' },
      manifest: '---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n',
    };
    const helmValue = gzipSync(Buffer.from(JSON.stringify(json))).toString('base64');
    const r = decodeReleaseRecord(Buffer.from(helmValue).toString('base64'));
    expect(r).toMatchObject({
      name: 'app',
      namespace: 'ns',
      revision: 3,
      status: 'deployed',
      chart: { version: '0.3.0' },
    });
    expect(r.objects.map((o) => o.metadata.name)).toEqual(['c']);
    expect(JSON.stringify(r)).not.toContain('s3cr3t');
  });
});

describe('workloadHealth', () => {
  const dep = (available: number, cond: string) => ({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web' },
    spec: { replicas: 2 },
    status: { availableReplicas: available, conditions: [{ type: 'Available', status: cond }] },
  });
  it('reads Deployments, StatefulSets and Rollouts', () => {
    expect(workloadHealth(dep(2, 'True'))?.ready).toBe(true);
    expect(workloadHealth(dep(1, 'True'))).toEqual({ ready: false, detail: 'Deployment/web 1/2 available' });
    expect(
      workloadHealth({
        apiVersion: 'apps/v1',
        kind: 'StatefulSet',
        metadata: { name: 'db' },
        spec: { replicas: 1 },
        status: { readyReplicas: 1 },
      })?.ready,
    ).toBe(true);
    expect(
      workloadHealth({
        apiVersion: 'argoproj.io/v1alpha1',
        kind: 'Rollout',
        metadata: { name: 'r' },
        status: { phase: 'Degraded' },
      }),
    ).toEqual({ ready: false, detail: 'Rollout/r Degraded' });
    expect(workloadHealth({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' } })).toBeUndefined();
  });
});

describe('KubeClient.fromKubeconfig', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kube-'));
  it('names a missing kubeconfig or context in one line', async () => {
    await expect(KubeClient.fromKubeconfig(join(dir, 'none'), 'x')).rejects.toThrow(/cannot read kubeconfig .*none/);
    const file = join(dir, 'config');
    writeFileSync(
      file,
      'apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: "https://127.0.0.1:1"}}]\nusers: [{name: u, user: {token: t}}]\ncontexts: [{name: a, context: {cluster: c, user: u}}]\ncurrent-context: a\n',
    );
    await expect(KubeClient.fromKubeconfig(file, 'b')).rejects.toThrow('context "b" not found in kubeconfig');
  });

  it('says which context and server it cannot reach', async () => {
    const c = await KubeClient.fromKubeconfig(join(dir, 'config'), 'a', { timeoutMs: 3000 });
    await expect(c.ping()).rejects.toThrow(/cannot reach cluster context "a" \(https:\/\/127\.0\.0\.1:1\)/);
    await expect(c.ping()).rejects.toBeInstanceOf(KubeConnectionError);
    await expect(c.ping()).rejects.toBeInstanceOf(KubeError);
    c.close();
  });
});

describe('ApiError', () => {
  it('is user-facing and starts with the target and the request', () => {
    const e = new ApiError('context "a" (https://h)', 'GET /api/v1/x', 'boom', 500, 'InternalError');
    expect(e).toBeInstanceOf(UserError);
    expect(e.message).toBe('context "a" (https://h): GET /api/v1/x: boom');
    expect(e.serverMessage).toBe('boom');
  });
});

describe('withCluster', () => {
  const env = {
    name: 'prod',
    cluster: { local: false, context: 'prod' },
    registry: { local: false, url: 'oci://r/charts' },
  } as unknown as Environment;
  const targets = { env: 'prod', cluster: { kubeconfig: '/k', context: 'prod' }, local: false };
  const fake = (ping: () => Promise<string>) => {
    const calls: string[] = [];
    const cluster = {
      client: {
        ping: () => {
          calls.push('ping');
          return ping();
        },
      },
      close: () => calls.push('close'),
    } as unknown as Cluster;
    const connect = async () => {
      calls.push('connect');
      return cluster;
    };
    return { calls, connect };
  };

  it('connects, pings once, runs and closes', async () => {
    const f = fake(async () => 'v1.36.3');
    expect(await withCluster(env, async () => 'done', { targets, connect: f.connect })).toBe('done');
    expect(f.calls).toEqual(['connect', 'ping', 'close']);
  });

  it('closes when the ping or the work fails, and runs nothing after a failed ping', async () => {
    const down = new KubeConnectionError('cannot reach cluster context "prod" (https://10.0.0.1:6443): ECONNREFUSED');
    const f = fake(async () => {
      throw down;
    });
    let ran = false;
    await expect(
      withCluster(
        env,
        async () => {
          ran = true;
        },
        { targets, connect: f.connect },
      ),
    ).rejects.toBe(down);
    expect(ran).toBe(false);
    expect(f.calls).toEqual(['connect', 'ping', 'close']);
    const g = fake(async () => 'v1.36.3');
    await expect(
      withCluster(
        env,
        async () => {
          throw new Error('boom');
        },
        { targets, connect: g.connect },
      ),
    ).rejects.toThrow('boom');
    expect(g.calls).toEqual(['connect', 'ping', 'close']);
  });
});
