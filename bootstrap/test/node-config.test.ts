import { chmodSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { InventoryError, inventoryPath, parseInventory, renderNodeConfigs } from '@kosmos/bootstrap';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireTool, run, tempDir } from './helpers.ts';

const tmp = tempDir('nodecfg');
const production = await renderNodeConfigs('production');
const staging = await renderNodeConfigs('staging');
const inv = parseInventory(readFileSync(inventoryPath('production'), 'utf8'), 'production');
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('keepalived.conf passes keepalived -t (in a network namespace with a veth named like the inventory)', () => {
  const ns = `kosmos-ka-${process.pid}`;
  const hostEnd = `kka${process.pid % 100000}`;
  let ip = '';
  let keepalived = '';

  beforeAll(() => {
    ip = requireTool('ip', 'iproute2');
    keepalived = requireTool('keepalived');
    const steps: string[][] = [
      ['netns', 'add', ns],
      ['link', 'add', hostEnd, 'type', 'veth', 'peer', 'name', `${hostEnd}p`],
      ['link', 'set', `${hostEnd}p`, 'netns', ns],
      ['-n', ns, 'link', 'set', `${hostEnd}p`, 'name', 'eth0'],
      ['-n', ns, 'link', 'set', 'eth0', 'up'],
    ];
    for (const s of steps) {
      const r = run(ip, s);
      if (r.status !== 0) throw new Error(`ip ${s.join(' ')}: ${r.stderr.trim()} (needs root and network namespaces)`);
    }
  });
  afterAll(() => {
    if (!ip) return;
    run(ip, ['netns', 'del', ns]);
    run(ip, ['link', 'del', hostEnd]);
  });

  for (const node of ['kosmos-prod-1', 'kosmos-prod-2', 'kosmos-prod-3']) {
    it(node, () => {
      const n = inv.nodes.find((x) => x.name === node);
      expect(n?.interface).toBe('eth0');
      // The node's own address on the interface, as on the real machine.
      expect(run(ip, ['-n', ns, 'addr', 'flush', 'dev', 'eth0']).status).toBe(0);
      expect(run(ip, ['-n', ns, 'addr', 'add', `${n?.address}/24`, 'dev', 'eth0']).status).toBe(0);
      // Files the config names, at temp paths: the auth include (stand-in password) and the check script.
      const dir = join(tmp, node);
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, 'vrrp-auth.conf'), 'auth_pass testpass\n', { mode: 0o600 });
      const check = join(dir, 'check-apiserver.sh');
      writeFileSync(check, production.get(`nodes/${node}/rootfs/etc/keepalived/check-apiserver.sh`) ?? '');
      chmodSync(check, 0o700);
      const conf = (production.get(`nodes/${node}/rootfs/etc/keepalived/keepalived.conf`) ?? '')
        .replace('include /etc/keepalived/vrrp-auth.conf', `include ${join(dir, 'vrrp-auth.conf')}`)
        .replace('"/etc/keepalived/check-apiserver.sh"', `"${check}"`);
      expect(conf).toContain(`include ${dir}`);
      writeFileSync(join(dir, 'keepalived.conf'), conf);
      const r = run(ip, ['netns', 'exec', ns, keepalived, '-t', '-f', join(dir, 'keepalived.conf')]);
      expect(r.stderr + r.stdout).toBe('');
      expect(r.status).toBe(0);
    });
  }

  it('and does notice a broken file (the test is not vacuous)', () => {
    const dir = join(tmp, 'broken');
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      join(dir, 'k.conf'),
      (production.get('nodes/kosmos-prod-1/rootfs/etc/keepalived/keepalived.conf') ?? '').replace(
        'virtual_router_id 51',
        'virtual_router_id 300',
      ),
    );
    const r = run(ip, ['netns', 'exec', ns, keepalived, '-t', '-f', join(dir, 'k.conf')]);
    expect(r.status).not.toBe(0);
  });

  it('a bad VRID or priority is caught in the inventory, before anything is rendered', () => {
    const text = readFileSync(inventoryPath('production'), 'utf8');
    expect(() => parseInventory(text.replace('vrid: 51', 'vrid: 256'), 'p')).toThrow(InventoryError);
    expect(() => parseInventory(text.replace('basePriority: 150', 'basePriority: 255'), 'p')).toThrow(
      /basePriority: must be <= 254/,
    );
  });
});

describe('cloud-init user-data passes cloud-init schema', () => {
  const files = [...production, ...staging].filter(([p]) => p.endsWith('/user-data'));
  it.each(files.map(([p]) => p))('%s', (p) => {
    const cloudInit = requireTool('cloud-init');
    const content = new Map(files).get(p) ?? '';
    const f = join(tmp, p.replace(/\//g, '_'));
    writeFileSync(f, content);
    const r = run(cloudInit, ['schema', '--config-file', f]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('Valid');
  });
});

describe('systemd units pass systemd-analyze verify (the snapshot binary is a stand-in)', () => {
  for (const [env, files, node] of [
    ['production', production, 'kosmos-prod-1'],
    ['staging', staging, 'kosmos-staging-1'],
  ] as const) {
    it(`${env} ${node}`, () => {
      const sa = requireTool('systemd-analyze', 'systemd');
      const dir = join(tmp, `units-${env}`);
      mkdirSync(dir, { recursive: true });
      const stand = join(dir, 'kosmos-etcd-snapshot');
      writeFileSync(stand, '#!/bin/sh\nexit 0\n');
      chmodSync(stand, 0o755);
      const paths = [];
      for (const unit of ['kosmos-etcd-snapshot.service', 'kosmos-etcd-snapshot.timer']) {
        const text = files.get(`nodes/${node}/rootfs/etc/systemd/system/${unit}`) ?? '';
        expect(text).not.toBe('');
        writeFileSync(join(dir, unit), text.replace('/usr/local/sbin/kosmos-etcd-snapshot', stand));
        paths.push(join(dir, unit));
      }
      const r = run(sa, ['verify', ...paths]);
      expect(r.stderr + r.stdout).toBe('');
      expect(r.status).toBe(0);
    });
  }
});
