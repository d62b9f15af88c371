/**
 * etcd-snapshot.sh against a real etcd 3.6 started here on free loopback ports (plain http): snapshots
 * are taken and verified, only the newest N stay, and the newest restores into a new data dir that a
 * new etcd serves with the keys intact.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePorts } from '@kosmos/testkit';
import { ensure } from '@kosmos/toolchain';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run, SCRIPTS, tempDir } from './helpers.ts';

const tmp = tempDir('etcd');
const started: ChildProcess[] = [];
let etcd = '';
let etcdctl = '';
let etcdutl = '';

/**
 * Starts etcd on free loopback ports and waits until it is healthy. A new member bootstraps a
 * one-member cluster; a restored data dir already holds its membership (`bootstrap: false`).
 */
async function startEtcd(name: string, dataDir: string, bootstrap = true): Promise<string> {
  const [client, peer] = (await freePorts(2)) as [number, number];
  const url = `http://127.0.0.1:${client}`;
  const peerUrl = `http://127.0.0.1:${peer}`;
  const membership = bootstrap
    ? ['--initial-advertise-peer-urls', peerUrl, '--initial-cluster', `${name}=${peerUrl}`]
    : [];
  const p = spawn(
    etcd,
    [
      '--name',
      name,
      '--data-dir',
      dataDir,
      '--listen-client-urls',
      url,
      '--advertise-client-urls',
      url,
      '--listen-peer-urls',
      peerUrl,
      ...membership,
      '--log-level',
      'error',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  started.push(p);
  let log = '';
  p.stderr?.on('data', (d: Buffer) => {
    log += d.toString();
  });
  for (let i = 0; i < 100; i++) {
    if (p.exitCode !== null) throw new Error(`etcd ${name} exited: ${log}`);
    if (run(etcdctl, ['--endpoints', url, 'endpoint', 'health']).status === 0) return url;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`etcd ${name} did not become healthy: ${log}`);
}

function stop(p: ChildProcess): Promise<void> {
  if (p.exitCode !== null || p.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const t = setTimeout(() => p.kill('SIGKILL'), 5000);
    p.once('exit', () => {
      clearTimeout(t);
      resolve();
    });
    p.kill('SIGTERM');
  });
}

describe('etcd-snapshot.sh against a real etcd', () => {
  let endpoint = '';
  const snapDir = join(tmp, 'snapshots');
  const tokenFile = join(tmp, 'token');
  const taken: string[] = [];

  beforeAll(async () => {
    [etcd, etcdctl, etcdutl] = await Promise.all([ensure('etcd'), ensure('etcdctl'), ensure('etcdutl')]);
    endpoint = await startEtcd('snap-src', join(tmp, 'data'));
    writeFileSync(tokenFile, 'K10test-token::server:abc\n', { mode: 0o600 });
  });
  afterAll(async () => {
    await Promise.all(started.map(stop));
    rmSync(tmp, { recursive: true, force: true });
  });

  const snapshot = (extra: string[] = []) =>
    run(
      join(SCRIPTS, 'etcd-snapshot.sh'),
      ['--endpoints', endpoint, '--dir', snapDir, '--keep', '3', '--token-file', tokenFile, ...extra],
      {
        env: { ...process.env, ETCDCTL: etcdctl, ETCDUTL: etcdutl },
      },
    );

  it('--dry-run changes nothing', () => {
    const r = snapshot(['--dry-run']);
    expect(r.status, r.stderr).toBe(0);
    expect(() => statSync(snapDir)).toThrow();
  });

  it('takes verified snapshots into a root-only dir, with the token hash beside each, and keeps the newest 3', () => {
    for (let i = 1; i <= 5; i++) {
      expect(run(etcdctl, ['--endpoints', endpoint, 'put', `/kosmos/key-${i}`, `value-${i}`]).status).toBe(0);
      const r = snapshot();
      expect(r.status, r.stderr).toBe(0);
      expect(r.stderr).toMatch(/verified kosmos-etcd-.*\.db/); // etcdutl snapshot status ran
      taken.push(r.stdout.trim());
    }
    expect(statSync(snapDir).mode & 0o777).toBe(0o700);
    const files = readdirSync(snapDir).sort();
    const kept = taken.slice(-3).map((p) => p.split('/').pop() ?? '');
    expect(files).toEqual(kept.flatMap((f) => [f, `${f}.token-sha256`]).sort());
    for (const f of files) expect(statSync(join(snapDir, f)).mode & 0o777, f).toBe(0o600);
    const hash = run('sha256sum', [tokenFile]).stdout.split(' ')[0];
    expect(readFileSync(join(snapDir, `${kept[2]}.token-sha256`), 'utf8')).toBe(`${hash}\n`);
  });

  it('the newest snapshot restores into a new data dir that a new etcd serves with the keys intact', async () => {
    const newest = taken[taken.length - 1] ?? '';
    const restored = join(tmp, 'restored');
    const r = run(etcdutl, [
      'snapshot',
      'restore',
      newest,
      '--data-dir',
      restored,
      '--name',
      'snap-restore',
      '--initial-cluster',
      'snap-restore=http://127.0.0.1:2380',
      '--initial-advertise-peer-urls',
      'http://127.0.0.1:2380',
    ]);
    expect(r.status, r.stderr).toBe(0);
    // etcd keeps its peer URL from the restore in the member list; the new one listens elsewhere and is told so.
    const url = await startEtcd('snap-restore', restored, false);
    const got = run(etcdctl, ['--endpoints', url, 'get', '/kosmos/', '--prefix', '--print-value-only']);
    expect(got.status, got.stderr).toBe(0);
    expect(got.stdout.trim().split('\n')).toEqual(['value-1', 'value-2', 'value-3', 'value-4', 'value-5']);
  });

  it('retention prunes only the names this script writes: another <prefix>-* series survives', () => {
    // Older than every snapshot, so a prefix-only match would prune them first.
    const foreign = [
      'kosmos-etcd-weekly-20240101T000000.000000000Z.db',
      'kosmos-etcd-weekly-1.db',
      'kosmos-etcd-manual',
    ];
    const old = new Date('2024-01-01T00:00:00Z');
    for (const f of foreign) {
      writeFileSync(join(snapDir, f), 'not ours', { mode: 0o600 });
      utimesSync(join(snapDir, f), old, old);
    }
    const r = snapshot();
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain('kept 3, removed 1 older');
    taken.push(r.stdout.trim());
    const kept = taken.slice(-3).map((p) => p.split('/').pop() ?? '');
    expect(readdirSync(snapDir).sort()).toEqual([...foreign, ...kept.flatMap((f) => [f, `${f}.token-sha256`])].sort());
    for (const f of foreign) rmSync(join(snapDir, f));
  });

  it('--k3s mode finds the file k3s wrote (k3s stand-in backed by the same etcd) and applies retention', () => {
    const fake = join(tmp, 'k3s');
    // Like `k3s etcd-snapshot save --name N --dir D`: writes D/N-<node>-<unix time>; `ls` lists them.
    writeFileSync(
      fake,
      `#!/bin/sh\nset -eu\ncase "$2" in\nsave) "$ETCDCTL" --endpoints "$FAKE_ENDPOINT" snapshot save "$6/$4-kosmos-prod-1-$(date +%s%N)" >/dev/null ;;\nls) ls "$FAKE_DIR" ;;\nesac\n`,
      { mode: 0o755 },
    );
    const dir = join(tmp, 'k3s-snapshots');
    const env = {
      ...process.env,
      K3S: fake,
      ETCDCTL: etcdctl,
      ETCDUTL: etcdutl,
      FAKE_ENDPOINT: endpoint,
      FAKE_DIR: dir,
    };
    const outs: string[] = [];
    for (let i = 0; i < 3; i++) {
      const r = run(
        join(SCRIPTS, 'etcd-snapshot.sh'),
        ['--k3s', '--dir', dir, '--keep', '2', '--token-file', tokenFile],
        { env },
      );
      expect(r.status, r.stderr).toBe(0);
      outs.push(r.stdout.trim());
    }
    expect(outs.every((o) => /kosmos-etcd-.*-kosmos-prod-1-\d+$/.test(o))).toBe(true);
    const names = outs.slice(-2).map((o) => o.split('/').pop() ?? '');
    expect(readdirSync(dir).sort()).toEqual(names.flatMap((f) => [f, `${f}.token-sha256`]).sort());
  });

  it('fails clearly when the endpoint is down, and half TLS flags are a usage error', () => {
    const down = run(
      join(SCRIPTS, 'etcd-snapshot.sh'),
      ['--endpoints', 'http://127.0.0.1:1', '--dir', join(tmp, 'x'), '--keep', '2', '--timeout', '3'],
      {
        env: { ...process.env, ETCDCTL: etcdctl, ETCDUTL: etcdutl },
      },
    );
    expect(down.status).toBe(1);
    expect(down.stderr).toContain('etcdctl snapshot save from http://127.0.0.1:1 failed');
    const half = snapshot(['--cacert', '/x/ca.crt']);
    expect(half.status).toBe(2);
    expect(half.stderr).toContain('--cacert, --cert and --key go together');
  });
});
