/** Cross-node checks on a schema-valid inventory: pure, one Issue per problem, naming node and field. */
import { cidrContains, cidrsOverlap, parseCidr, parseIpv4 } from './ipv4.ts';
import { effectiveK3sConfig, MUST_MATCH_ON_SERVERS, servers, vrrpPriority } from './model.ts';
import type { Inventory, Issue } from './types.ts';

const CLUSTER = '(cluster)';

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function asList(v: unknown): string[] {
  if (Array.isArray(v)) return v.map(String);
  if (typeof v === 'string') return v.split(',').map((s) => s.trim());
  return [];
}

export function crossChecks(inv: Inventory): Issue[] {
  const out: Issue[] = [];
  const c = inv.cluster;
  const nodeIdx = (name: string) => inv.nodes.findIndex((n) => n.name === name);
  const srv = servers(inv);

  // Unique names and addresses.
  const firstByName = new Map<string, number>();
  const firstByAddr = new Map<string, number>();
  inv.nodes.forEach((n, i) => {
    const dupName = firstByName.get(n.name);
    if (dupName !== undefined)
      out.push({
        node: n.name,
        field: 'name',
        message: `duplicate node name (also nodes[${dupName}])`,
        path: ['nodes', i, 'name'],
      });
    else firstByName.set(n.name, i);
    const dupAddr = firstByAddr.get(n.address);
    if (dupAddr !== undefined)
      out.push({
        node: n.name,
        field: 'address',
        message: `address ${n.address} is also the address of ${inv.nodes[dupAddr]?.name}`,
        path: ['nodes', i, 'address'],
      });
    else firstByAddr.set(n.address, i);
  });

  // CIDRs.
  const clusterCidr = parseCidr(c.clusterCidr);
  const serviceCidr = parseCidr(c.serviceCidr);
  const dns = parseIpv4(c.clusterDns);
  if (serviceCidr && dns !== undefined && !cidrContains(serviceCidr, dns))
    out.push({
      node: CLUSTER,
      field: 'clusterDns',
      message: `${c.clusterDns} is not in the service CIDR ${c.serviceCidr}`,
      path: ['cluster', 'clusterDns'],
    });
  if (clusterCidr && serviceCidr && cidrsOverlap(clusterCidr, serviceCidr))
    out.push({
      node: CLUSTER,
      field: 'serviceCidr',
      message: `${c.serviceCidr} overlaps the cluster CIDR ${c.clusterCidr}`,
      path: ['cluster', 'serviceCidr'],
    });
  inv.nodes.forEach((n, i) => {
    const ip = parseIpv4(n.address);
    if (ip === undefined) return;
    for (const [label, cidr] of [
      ['cluster', clusterCidr],
      ['service', serviceCidr],
    ] as const)
      if (cidr && cidrContains(cidr, ip))
        out.push({
          node: n.name,
          field: 'address',
          message: `${n.address} lies in the ${label} CIDR`,
          path: ['nodes', i, 'address'],
        });
  });

  // Servers: at least one, an odd number for etcd quorum, a VIP when there are several.
  if (srv.length === 0)
    out.push({ node: CLUSTER, field: 'nodes', message: 'no node has role "server"', path: ['nodes'] });
  if (srv.length > 1 && srv.length % 2 === 0)
    out.push({
      node: CLUSTER,
      field: 'nodes',
      message: `${srv.length} servers: embedded etcd needs an odd number to keep quorum when one fails`,
      path: ['nodes'],
    });
  if (srv.length > 1 && !inv.vip)
    out.push({
      node: CLUSTER,
      field: 'vip',
      message: 'several servers need a vip (keepalived) in front of the API',
      path: [],
    });

  // The VIP.
  const vip = inv.vip;
  if (vip) {
    const vipIp = parseIpv4(vip.address);
    inv.nodes.forEach((n, i) => {
      if (n.address === vip.address)
        out.push({
          node: n.name,
          field: 'address',
          message: `is the VIP ${vip.address}: the VIP must not be any node's address`,
          path: ['nodes', i, 'address'],
        });
    });
    for (const s of srv) {
      const ip = parseIpv4(s.address);
      const subnet = parseCidr(`${vip.address}/${vip.prefixLength}`);
      if (ip !== undefined && vipIp !== undefined && subnet && !cidrContains(subnet, ip))
        out.push({
          node: s.name,
          field: 'address',
          message: `${s.address} is outside the VIP's subnet ${vip.address}/${vip.prefixLength}: VRRP peers share one L2 segment`,
          path: ['nodes', nodeIdx(s.name), 'address'],
        });
    }
    if (vipIp !== undefined) {
      for (const [label, cidr] of [
        ['cluster', clusterCidr],
        ['service', serviceCidr],
      ] as const)
        if (cidr && cidrContains(cidr, vipIp))
          out.push({
            node: CLUSTER,
            field: 'vip.address',
            message: `${vip.address} lies in the ${label} CIDR`,
            path: ['vip', 'address'],
          });
    }
    // Priorities: valid for keepalived as BACKUP (1..254) and distinct, so the order is the inventory's.
    const seen = new Map<number, string>();
    for (const s of srv) {
      const p = vrrpPriority(inv, s);
      const i = nodeIdx(s.name);
      const path = s.vrrpPriority !== undefined ? ['nodes', i, 'vrrpPriority'] : ['vip', 'basePriority'];
      if (p < 1 || p > 254)
        out.push({
          node: s.name,
          field: s.vrrpPriority !== undefined ? 'vrrpPriority' : 'vip.basePriority',
          message: `VRRP priority ${p} is outside 1..254 (lower priorityStep or raise basePriority)`,
          path,
        });
      const other = seen.get(p);
      if (other)
        out.push({
          node: s.name,
          field: s.vrrpPriority !== undefined ? 'vrrpPriority' : 'vip.priorityStep',
          message: `VRRP priority ${p} equals ${other}'s`,
          path,
        });
      else seen.set(p, s.name);
    }
    // The API check: a check must finish before the next starts; rising back takes longer than falling.
    if (vip.check.timeout >= vip.check.interval)
      out.push({
        node: CLUSTER,
        field: 'vip.check.timeout',
        message: `${vip.check.timeout}s must be shorter than the interval (${vip.check.interval}s)`,
        path: ['vip', 'check', 'timeout'],
      });
    if (vip.check.rise <= vip.check.fall)
      out.push({
        node: CLUSTER,
        field: 'vip.check.rise',
        message: `rise (${vip.check.rise}) must be greater than fall (${vip.check.fall})`,
        path: ['vip', 'check', 'rise'],
      });
    // VRRP runs on the interface named for each server; agents are not peers.
    for (const n of inv.nodes)
      if (n.role === 'agent' && n.vrrpPriority !== undefined)
        out.push({
          node: n.name,
          field: 'vrrpPriority',
          message: 'agents do not run keepalived',
          path: ['nodes', nodeIdx(n.name), 'vrrpPriority'],
        });
  }

  // What every server's effective K3s config must hold.
  const first = srv[0];
  const firstCfg = first ? effectiveK3sConfig(inv, first) : undefined;
  for (const s of srv) {
    const cfg = effectiveK3sConfig(inv, s);
    const i = nodeIdx(s.name);
    const sans = asList(cfg['tls-san']);
    const wanted = [c.apiDnsName, ...(vip ? [vip.address] : [])];
    for (const w of wanted)
      if (!sans.includes(w))
        out.push({
          node: s.name,
          field: 'config.tls-san',
          message: `must include ${w}`,
          path: ['nodes', i, 'config', 'tls-san'],
        });
    if (cfg['node-ip'] !== s.address)
      out.push({
        node: s.name,
        field: 'config.node-ip',
        message: `must be the node's address ${s.address} (else the VIP may be taken as node IP)`,
        path: ['nodes', i, 'config', 'node-ip'],
      });
    if (firstCfg && first && s !== first)
      for (const k of MUST_MATCH_ON_SERVERS)
        if (!same(cfg[k], firstCfg[k]))
          out.push({
            node: s.name,
            field: `config.${k}`,
            message: `${JSON.stringify(cfg[k] ?? null)} differs from ${first.name}'s ${JSON.stringify(firstCfg[k] ?? null)}: must match on every server`,
            path: ['nodes', i, 'config', k],
          });
  }
  for (const n of inv.nodes) {
    if (n.role !== 'agent' || !n.config) continue;
    for (const k of ['cluster-init', 'tls-san', 'cluster-cidr', 'service-cidr'])
      if (k in n.config)
        out.push({
          node: n.name,
          field: `config.${k}`,
          message: 'is a server flag; agents do not take it',
          path: ['nodes', nodeIdx(n.name), 'config', k],
        });
  }
  return out;
}
