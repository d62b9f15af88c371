/**
 * The client against the real CNCF distribution registry: the shared one of the test run, and one
 * of our own with htpasswd (Basic) auth on a free loopback port.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { packageChart, pushChart } from '@kosmos/helm';
import { freePorts } from '@kosmos/testkit';
import { localCluster } from '@kosmos/testkit/vitest';
import { ensure } from '@kosmos/toolchain';
import bcrypt from 'bcryptjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientFor, dockerConfigFor, RegistryClient, RegistryError } from '../src/index.ts';

const env = localCluster();
const library = resolve(import.meta.dirname, '../../../charts/common');

describe('registry client, real registry', () => {
  it('answers what a pushed chart holds: chart layer digest, manifest digest, tags; absent is not an error', async () => {
    const ns = `client-${Date.now().toString(36)}`;
    const out = mkdtempSync(join(tmpdir(), 'kosmos-client-'));
    const built = await packageChart({ dir: library, destination: out });
    const pushed = await pushChart({
      archive: built.archive,
      registry: `oci://${env.registry}/${ns}`,
      plainHttp: true,
    });
    const client = await clientFor(env.registry);
    expect(client.plainHttp).toBe(true);
    const repo = `${ns}/kosmos-common`;
    const [tag] = await client.tags(repo);
    expect(tag).toMatch(/^\d+\.\d+\.\d+/);
    const state = await client.chart(repo, tag as string);
    expect(state).toEqual({
      state: 'present',
      manifestDigest: pushed.manifestDigest,
      chartDigest: built.digest,
      signed: false,
    });
    expect(await client.digest(repo, tag as string)).toBe(pushed.manifestDigest);
    expect(await client.exists(repo, tag as string)).toBe(true);
    expect(await client.chart(repo, '9.9.9')).toEqual({ state: 'absent' });
    expect(await client.digest(repo, '9.9.9')).toBeUndefined();
    expect(await client.tags(`${ns}/never-pushed`)).toEqual([]);
  });
});

describe('registry client, Basic auth (htpasswd)', () => {
  let proc: ChildProcess;
  let host: string;
  const password = 'pa55-w0rd-that-must-never-show';

  beforeAll(async () => {
    const bin = await ensure('registry');
    const dir = mkdtempSync(join(tmpdir(), 'kosmos-auth-registry-'));
    mkdirSync(join(dir, 'data'));
    writeFileSync(join(dir, 'htpasswd'), `releaser:${bcrypt.hashSync(password, 10)}\n`);
    const [port] = (await freePorts(1)) as [number];
    host = `127.0.0.1:${port}`;
    writeFileSync(
      join(dir, 'config.yml'),
      [
        'version: 0.1',
        'log: {level: warn, accesslog: {disabled: true}}',
        `storage: {filesystem: {rootdirectory: ${join(dir, 'data')}}}`,
        `http: {addr: "${host}"}`,
        `auth: {htpasswd: {realm: kosmos-test, path: ${join(dir, 'htpasswd')}}}`,
        '',
      ].join('\n'),
    );
    proc = spawn(bin, ['serve', join(dir, 'config.yml')], { stdio: 'ignore' });
    for (let i = 0; i < 100; i++) {
      const status = await fetch(`http://${host}/v2/`).then(
        (r) => r.status,
        () => 0,
      );
      if (status === 401) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error('auth registry did not start');
  });
  afterAll(() => {
    proc?.kill('SIGTERM');
  });

  it('no credentials, or wrong ones: one clear auth error that never shows the password', async () => {
    const anonymous = new RegistryClient({ host, plainHttp: true });
    const e1 = await anonymous.tags('charts/x').catch((e: unknown) => e);
    expect(e1).toBeInstanceOf(RegistryError);
    expect((e1 as RegistryError).reason).toBe('auth');
    expect((e1 as Error).message).toBe(
      `registry auth refused for ${host}/charts/x (HTTP 401; no credentials: run helm registry login ${host}, or set KOSMOS_REGISTRY_USERNAME and KOSMOS_REGISTRY_PASSWORD)`,
    );
    const wrong = new RegistryClient({
      host,
      plainHttp: true,
      credentials: { username: 'releaser', password: 'wrong-secret', source: 'test' },
    });
    const e2 = await wrong.tags('charts/x').catch((e: unknown) => e);
    expect((e2 as Error).message).toMatch(/^registry auth refused for .* \(HTTP 401; credentials from test\)$/);
    expect((e2 as Error).message).not.toContain('wrong-secret');
  });

  it('credentials from the environment or helm’s registry config: answers, and helm push gets them too', async () => {
    const viaEnv = await clientFor(host, {
      env: {
        KOSMOS_REGISTRY_USERNAME: 'releaser',
        KOSMOS_REGISTRY_PASSWORD: password,
        HELM_REGISTRY_CONFIG: '/nonexistent',
      },
      commandHost: host,
    });
    expect(await viaEnv.tags('charts/kosmos-common')).toEqual([]);

    const config = join(mkdtempSync(join(tmpdir(), 'kosmos-helmcfg-')), 'config.json');
    writeFileSync(config, dockerConfigFor(host, { username: 'releaser', password }), { mode: 0o600 });
    const out = mkdtempSync(join(tmpdir(), 'kosmos-client-'));
    const built = await packageChart({ dir: library, destination: out });
    // Without credentials helm push is refused, and the message holds neither arguments nor secrets.
    const refused = await pushChart({
      archive: built.archive,
      registry: `oci://${host}/charts`,
      plainHttp: true,
      registryConfig: join(out, 'none.json'),
    }).catch((e: Error) => e);
    expect(refused).toBeInstanceOf(Error);
    expect((refused as Error).message).not.toContain('--plain-http');
    await pushChart({
      archive: built.archive,
      registry: `oci://${host}/charts`,
      plainHttp: true,
      registryConfig: config,
    });

    const viaHelmConfig = await clientFor(host, { env: { HELM_REGISTRY_CONFIG: config } });
    const [tag] = await viaHelmConfig.tags('charts/kosmos-common');
    expect(await viaHelmConfig.chart('charts/kosmos-common', tag as string)).toMatchObject({
      chartDigest: built.digest,
    });
  });
});
