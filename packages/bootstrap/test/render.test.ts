import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { installMode, MANIFEST, renderNodeConfigs, writeOutput } from '../src/index.ts';
import { expectGoldenTree } from './golden.ts';

const production = await renderNodeConfigs('production');
const staging = await renderNodeConfigs('staging');

type K3sConfig = Record<string, unknown>;
const k3s = (files: Map<string, string>, node: string): K3sConfig =>
  parse(files.get(`nodes/${node}/rootfs/etc/rancher/k3s/config.yaml`) ?? 'null') as K3sConfig;

describe('render', () => {
  it('matches the golden files (UPDATE_GOLDEN=1 to refresh)', () => {
    expectGoldenTree('production', production);
    expectGoldenTree('staging', staging);
  });

  it('is deterministic', async () => {
    expect([...(await renderNodeConfigs('production')).entries()]).toEqual([...production.entries()]);
  });

  it('initialises etcd on the first server only; the others join through the VIP with the token file', () => {
    const [a, b, c] = ['kosmos-prod-1', 'kosmos-prod-2', 'kosmos-prod-3'].map((n) => k3s(production, n));
    expect(a?.['cluster-init']).toBe(true);
    expect(a?.server).toBeUndefined();
    for (const cfg of [b, c]) {
      expect(cfg?.['cluster-init']).toBeUndefined();
      expect(cfg?.server).toBe('https://192.168.0.201:6443');
    }
    for (const cfg of [a, b, c]) {
      expect(cfg?.['token-file']).toBe('/etc/kosmos/k3s-token');
      expect(cfg?.token).toBeUndefined();
      expect(cfg?.['tls-san']).toEqual(['kosmos-api.nuvanta-holding.com', '192.168.0.201']);
      expect(cfg?.disable).toEqual(['traefik']);
      expect(cfg?.['secrets-encryption']).toBe(true);
      expect([cfg?.['cluster-cidr'], cfg?.['service-cidr'], cfg?.['cluster-dns']]).toEqual([
        '10.42.0.0/16',
        '10.43.0.0/16',
        '10.43.0.10',
      ]);
      expect([cfg?.['etcd-snapshot-schedule-cron'], cfg?.['etcd-snapshot-retention']]).toEqual(['0 3 * * *', 5]);
      expect(cfg?.['flannel-iface']).toBe('eth0');
    }
    expect(b?.['node-ip']).toBe('192.168.0.212');
  });

  it('staging is a single cluster-init server with the token written from an env var name', () => {
    const s = k3s(staging, 'kosmos-staging-1');
    expect(s['cluster-init']).toBe(true);
    expect(s['token-file']).toBe('/etc/rancher/k3s/cluster-token');
    expect(staging.get('nodes/kosmos-staging-1/node.env')).toContain('KOSMOS_TOKEN_ENV=KOSMOS_K3S_TOKEN\n');
    expect([...staging.keys()].some((k) => k.includes('keepalived'))).toBe(false);
  });

  it('keepalived: all BACKUP, nopreempt, priorities by inventory order, peers are the other servers', () => {
    const conf = (n: string) => production.get(`nodes/${n}/rootfs/etc/keepalived/keepalived.conf`) ?? '';
    const prios = ['kosmos-prod-1', 'kosmos-prod-2', 'kosmos-prod-3'].map((n) =>
      Number(/priority (\d+)/.exec(conf(n))?.[1]),
    );
    expect(prios).toEqual([150, 140, 130]);
    for (const n of ['kosmos-prod-1', 'kosmos-prod-2', 'kosmos-prod-3']) {
      expect(conf(n)).toContain('state BACKUP');
      expect(conf(n)).toContain('nopreempt');
      expect(conf(n)).not.toMatch(/\{[^\n]*\S[^\n]*\}/); // no one-line blocks
    }
    expect(conf('kosmos-prod-2')).toMatch(/unicast_peer \{\n\s+192\.168\.0\.211\n\s+192\.168\.0\.213\n\s+\}/);
  });

  it('cloud-init writes exactly the rendered files and the scripts, and holds no token', () => {
    for (const [files, node] of [
      [production, 'kosmos-prod-1'],
      [staging, 'kosmos-staging-1'],
    ] as const) {
      const ud = files.get(`nodes/${node}/user-data`) ?? '';
      expect(ud.startsWith('#cloud-config\n')).toBe(true);
      expect(Buffer.byteLength(ud)).toBeLessThan(32 * 1024);
      const doc = parse(ud) as {
        write_files: { path: string; content: string; permissions: string }[];
        runcmd: string[][];
      };
      const staged = Object.fromEntries(doc.write_files.map((f) => [f.path, f.content]));
      for (const [rel, content] of files) {
        const m = new RegExp(`^nodes/${node}/(rootfs/.*|node\\.env)$`).exec(rel);
        if (m) expect(staged[`/opt/kosmos/bootstrap/node/${m[1]}`]).toBe(content);
      }
      expect(staged['/opt/kosmos/bootstrap/scripts/install-server.sh']).toBe(
        readFileSync('bootstrap/scripts/install-server.sh', 'utf8'),
      );
      expect(doc.runcmd).toEqual([
        ['/opt/kosmos/bootstrap/scripts/install-server.sh', '--from', '/opt/kosmos/bootstrap/node'],
      ]);
    }
  });

  it('install modes: 0600 configs, 0700 scripts, 0644 units', () => {
    expect(installMode('/etc/rancher/k3s/config.yaml')).toBe('0600');
    expect(installMode('/etc/keepalived/keepalived.conf')).toBe('0600');
    expect(installMode('/etc/keepalived/check-apiserver.sh')).toBe('0700');
    expect(installMode('/etc/systemd/system/kosmos-etcd-snapshot.timer')).toBe('0644');
  });

  it('upgrade plan lists servers before agents', () => {
    expect(production.get('cluster/upgrade-plan.tsv')).toMatch(
      /server\tkosmos-prod-1\t192\.168\.0\.211\nserver\tkosmos-prod-2\t/,
    );
  });
});

describe('writeOutput', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kosmos-write-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('writes files 0600 via rename, leaves no temp files, and prunes files the last render wrote', async () => {
    writeFileSync(join(dir, 'keep-me.txt'), 'not ours');
    await writeOutput(
      dir,
      new Map([
        ['a/one.txt', '1\n'],
        ['b.txt', '2\n'],
      ]),
    );
    const r = await writeOutput(dir, new Map([['a/one.txt', '1b\n']]));
    expect(r.removed).toEqual(['b.txt']);
    const all = readdirSync(dir, { recursive: true }).map(String).sort();
    expect(all).toEqual([MANIFEST, 'a', 'a/one.txt', 'keep-me.txt']);
    expect(readFileSync(join(dir, 'a/one.txt'), 'utf8')).toBe('1b\n');
    expect(statSync(join(dir, 'a/one.txt')).mode & 0o777).toBe(0o600);
  });

  it('refuses paths outside the output directory', async () => {
    await expect(writeOutput(dir, new Map([['../x', '']]))).rejects.toThrow(/outside/);
  });
});
