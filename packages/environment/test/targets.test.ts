import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { describeTargets, loadEnvironment, resolveTargets } from '../src/index.ts';

const repo = resolve(import.meta.dirname, '../../..');

describe('resolveTargets', () => {
  it("takes the local registry and cluster from `pnpm run up`'s state", async () => {
    const stateDir = await mkdtemp(join(tmpdir(), 'kosmos-state-'));
    await writeFile(
      join(stateDir, 'state.json'),
      JSON.stringify({
        version: 1,
        kubeconfig: '/k/config',
        server: 'https://127.0.0.1:6443',
        registry: '127.0.0.1:5000',
      }),
    );
    const t = await resolveTargets(loadEnvironment(repo, 'dev'), { stateDir });
    expect(t).toEqual({
      env: 'dev',
      registry: 'oci://127.0.0.1:5000/charts',
      cluster: { kubeconfig: '/k/config', server: 'https://127.0.0.1:6443' },
      local: true,
    });
    expect(describeTargets(t)).toBe(
      'cluster current context (https://127.0.0.1:6443) of /k/config, registry oci://127.0.0.1:5000/charts',
    );
  });

  it('says so when the local environment is not running, without throwing', async () => {
    const stateDir = await mkdtemp(join(tmpdir(), 'kosmos-state-'));
    const t = await resolveTargets(loadEnvironment(repo, 'dev'), { stateDir });
    expect(t).toEqual({ env: 'dev', cluster: {}, local: true });
    expect(describeTargets(t)).toBe('cluster the local cluster (not running), registry local (not running)');
  });

  it("takes a remote environment's registry and context from environment.yaml", async () => {
    const env = loadEnvironment(repo, 'production');
    const t = await resolveTargets(env, { stateDir: '/nonexistent' });
    expect(t.local).toBe(false);
    expect(t.registry).toBe('oci://ghcr.io/kosmos-platform/charts');
    expect(t.cluster.context).toBe(env.cluster.local ? undefined : env.cluster.context);
    expect(describeTargets(t, { cluster: false })).toBe('registry oci://ghcr.io/kosmos-platform/charts');
  });
});
