import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  crossChecks,
  formatIssue,
  type Inventory,
  InventoryError,
  inventoryPath,
  parseInventory,
} from '../src/index.ts';
import { expectGoldenFile } from './golden.ts';

const production = readFileSync(inventoryPath('production'), 'utf8');
const staging = readFileSync(inventoryPath('staging'), 'utf8');

function errorsOf(text: string): string[] {
  try {
    parseInventory(text, 'inventory.yaml');
  } catch (e) {
    if (e instanceof InventoryError) return e.issues.map(formatIssue);
    throw e;
  }
  return [];
}

/** Replaces exactly one occurrence of `from` in the production inventory. */
function prod(from: string, to: string): string {
  expect(production.split(from).length, `"${from}" occurs once in production inventory`).toBe(2);
  return production.replace(from, to);
}

describe('inventory', () => {
  it('accepts both environments and fills defaults', () => {
    const p = parseInventory(production, 'p.yaml');
    expect(p.nodes.map((n) => n.name)).toEqual(['kosmos-prod-1', 'kosmos-prod-2', 'kosmos-prod-3']);
    expect(p.vip?.check).toEqual({ interval: 3, timeout: 2, rise: 3, fall: 2 });
    const s = parseInventory(staging, 's.yaml');
    expect(s.vip).toBeUndefined();
    expect(s.cluster.tlsSan).toEqual([]);
    expect(s.cluster.tokenSource).toEqual({ env: 'KOSMOS_K3S_TOKEN' });
  });

  // Each broken inventory: the messages (file:line:column, node, field) are golden files.
  const cases: Record<string, () => string> = {
    'yaml-syntax': () => prod('  vrid: 51\n', '  vrid: [51\n'),
    'vrid-out-of-range': () => prod('vrid: 51', 'vrid: 300'),
    'priority-out-of-range': () => prod('    zone: zone-b\n', '    zone: zone-b\n    vrrpPriority: 255\n'),
    'derived-priority-below-1': () => prod('basePriority: 150', 'basePriority: 15'),
    'duplicate-priority': () => prod('    zone: zone-c\n', '    zone: zone-c\n    vrrpPriority: 140\n'),
    'unknown-key-and-missing-address': () => prod('    address: 192.168.0.212\n', '    adress: 192.168.0.212\n'),
    'token-literal': () => prod('    file: /etc/kosmos/k3s-token', '    token: K10abc::server:secret'),
    'bad-cidr-and-version': () =>
      prod('k3sVersion: v1.33.5+k3s1', 'k3sVersion: v1.33').replace(
        'clusterCidr: 10.42.0.0/16',
        'clusterCidr: 10.42.1.0/16',
      ),
    'duplicate-node-name': () => prod('  - name: kosmos-prod-3', '  - name: kosmos-prod-2'),
    'dns-outside-service-cidr': () => prod('clusterDns: 10.43.0.10', 'clusterDns: 10.42.0.10'),
    'vip-is-a-node-address': () => prod('address: 192.168.0.213', 'address: 192.168.0.201'),
    'vip-missing-from-tls-san': () =>
      prod(
        '    zone: zone-b\n',
        '    zone: zone-b\n    config:\n      tls-san:\n        - kosmos-api.nuvanta-holding.com\n',
      ),
    'server-flags-differ': () =>
      prod(
        '    zone: zone-c\n',
        '    zone: zone-c\n    config:\n      cluster-cidr: 10.44.0.0/16\n      secrets-encryption: false\n',
      ),
    'even-servers': () =>
      prod(
        '  - name: kosmos-prod-3\n    address: 192.168.0.213\n    role: server',
        '  - name: kosmos-prod-3\n    address: 192.168.0.213\n    role: agent',
      ).replace(
        '  - name: kosmos-prod-2\n    address: 192.168.0.212\n    role: server',
        '  - name: kosmos-prod-2\n    address: 192.168.0.212\n    role: server',
      ),
    'check-timings': () => prod('    timeout: 2\n    rise: 3', '    timeout: 3\n    rise: 2'),
    'servers-without-vip': () => production.replace(/\nvip:\n(?: {2}.*\n|\s*\n)*?(?=nodes:)/, '\n'),
  };

  for (const [name, make] of Object.entries(cases)) {
    it(`reports ${name} with file:line:column, node and field`, () => {
      const lines = errorsOf(make());
      expect(lines.length, name).toBeGreaterThan(0);
      for (const l of lines) expect(l).toMatch(/^inventory\.yaml:\d+:\d+: \S+ \S+: .+/);
      expectGoldenFile(`errors/${name}.txt`, `${lines.join('\n')}\n`);
    });
  }

  it('points a schema error at the offending line', () => {
    const lines = errorsOf(prod('vrid: 51', 'vrid: 300'));
    const lineNo = production.split('\n').findIndex((l) => l.includes('vrid: 51')) + 1;
    expect(lines).toEqual([`inventory.yaml:${lineNo}:9: (cluster) vip.vrid: must be <= 255`]);
  });

  it('never echoes a token given in place of a token source', () => {
    const lines = errorsOf(prod('    file: /etc/kosmos/k3s-token', '    token: K10abc::server:secret'));
    expect(lines.join('\n')).not.toContain('K10abc');
  });

  it('crossChecks is pure and returns node + field + message', () => {
    const inv = parseInventory(production, 'p.yaml') as Inventory;
    const broken: Inventory = { ...inv, cluster: { ...inv.cluster, clusterDns: '10.99.0.10' } };
    expect(crossChecks(broken)).toEqual([
      {
        node: '(cluster)',
        field: 'clusterDns',
        message: '10.99.0.10 is not in the service CIDR 10.43.0.0/16',
        path: ['cluster', 'clusterDns'],
      },
    ]);
    expect(crossChecks(inv)).toEqual([]);
  });
});
