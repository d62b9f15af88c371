import { chmod, mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cmpSemver, componentOf } from '../src/catalog.ts';
import { resolveTool } from '../src/ensure.ts';
import { ToolchainError } from '../src/errors.ts';
import { parseVersion } from '../src/probe.ts';

/** A folder holding an executable `name` that prints `output` whatever it is asked. */
async function fakeBin(name: string, output: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'kosmos-fakebin-'));
  const p = join(dir, name);
  await writeFile(p, `#!/bin/sh\necho '${output}'\n`);
  await chmod(p, 0o755);
  return dir;
}

const emptyCache = () => mkdtemp(join(tmpdir(), 'kosmos-cache-'));

describe('version parsing', () => {
  it.each([
    ['v4.3.1', 'v4.3.1'],
    ['etcd Version: 3.6.10\nGit SHA: abc', 'v3.6.10'],
    ['Kubernetes v1.36.3', 'v1.36.3'],
    ['Client Version: v1.32.4-dispatcher\nKustomize Version: v5.5.0', 'v1.32.4-dispatcher'],
    ['no version here', undefined],
  ])('%j -> %s', (out, v) => expect(parseVersion(out)).toBe(v));

  it('compares numerically, not as text', () => {
    expect(cmpSemver('v3.10.0', 'v3.9.9')).toBeGreaterThan(0);
    expect(cmpSemver('3.5.13', 'v3.5.13')).toBe(0);
  });

  it('rejects Debian etcd 3.4 and kubectl of another minor, accepts the pinned ones', () => {
    expect(componentOf('etcd').accepts('v3.4.23')).toBe(false);
    expect(componentOf('etcd').accepts('v3.6.10')).toBe(true);
    expect(componentOf('kubectl').accepts('v1.32.4')).toBe(false);
    expect(componentOf('kubectl').accepts('v1.36.0')).toBe(true);
    expect(componentOf('helm').accepts('v3.19.0')).toBe(false);
  });
});

describe('resolveTool', () => {
  it('uses a tool on PATH when its version is accepted', async () => {
    const dir = await fakeBin('helm', 'v4.4.0');
    const r = await resolveTool('helm', { env: { PATH: dir, XDG_CACHE_HOME: await emptyCache() }, noBuild: true });
    expect(r).toMatchObject({ source: 'PATH', version: 'v4.4.0', path: join(dir, 'helm') });
  });

  it('passes over a too-old tool on PATH and uses the cache', async () => {
    const dir = await fakeBin('helm', 'v3.15.2');
    const cache = await emptyCache();
    const cached = join(cache, 'kosmos-platform', 'tools', 'helm', 'v4.3.1');
    await mkdir(cached, { recursive: true });
    await writeFile(join(cached, 'helm'), '#!/bin/sh\n');
    await chmod(join(cached, 'helm'), 0o755);
    const r = await resolveTool('helm', { env: { PATH: dir, XDG_CACHE_HOME: cache }, noBuild: true });
    expect(r.source).toBe('cache');
    expect(r.path).toBe(join(cached, 'helm'));
    expect(r.rejected).toEqual([
      { path: join(dir, 'helm'), version: 'v3.15.2', reason: expect.stringMatching(/helm 4\.3/) },
    ]);
  });

  it('prefers KUBEBUILDER_ASSETS for the control plane', async () => {
    const assets = await fakeBin('kube-apiserver', 'Kubernetes v1.36.1');
    const r = await resolveTool('kube-apiserver', {
      env: { PATH: '', KUBEBUILDER_ASSETS: assets, XDG_CACHE_HOME: await emptyCache() },
      noBuild: true,
    });
    expect(r.source).toBe('KUBEBUILDER_ASSETS');
  });

  it('says what is missing and how to get it when a tool cannot be found', async () => {
    const p = resolveTool('kwok', { env: { PATH: '', XDG_CACHE_HOME: await emptyCache() }, noBuild: true });
    await expect(p).rejects.toBeInstanceOf(ToolchainError);
    await expect(p).rejects.toThrow(/kwok is not installed.*pnpm run tools.*kwok v0\.8\.0/);
  });
});
