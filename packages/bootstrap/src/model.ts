/**
 * Derived facts of an inventory, shared by the checks and the renderer: the effective K3s config of
 * each node, VRRP priorities, the join URL and where the token file is on the node.
 */
import type { Inventory, Node } from './types.ts';

/** Where the token lands on a node when its source is an env var (written by the install script, 0600). */
export const DEFAULT_TOKEN_FILE = '/etc/rancher/k3s/cluster-token';
export const POD_SECURITY_FILE = '/etc/rancher/k3s/pod-security.yaml';
export const CHECK_SCRIPT = '/etc/keepalived/check-apiserver.sh';
export const SNAPSHOT_BIN = '/usr/local/sbin/kosmos-etcd-snapshot';
export const BOOTSTRAP_DIR = '/opt/kosmos/bootstrap';

/**
 * K3s flags that must be identical on every server (K3s "critical configuration values": a server
 * joining with a different value is refused or silently diverges).
 */
export const MUST_MATCH_ON_SERVERS = [
  'cluster-cidr',
  'service-cidr',
  'cluster-dns',
  'cluster-domain',
  'disable',
  'disable-helm-controller',
  'disable-kube-proxy',
  'disable-network-policy',
  'egress-selector-mode',
  'embedded-registry',
  'flannel-backend',
  'flannel-external-ip',
  'flannel-ipv6-masq',
  'secrets-encryption',
  'service-node-port-range',
] as const;

export function servers(inv: Inventory): Node[] {
  return inv.nodes.filter((n) => n.role === 'server');
}

export function agents(inv: Inventory): Node[] {
  return inv.nodes.filter((n) => n.role === 'agent');
}

export function tokenFile(inv: Inventory): string {
  const src = inv.cluster.tokenSource;
  return 'file' in src ? src.file : DEFAULT_TOKEN_FILE;
}

export function tokenEnv(inv: Inventory): string {
  const src = inv.cluster.tokenSource;
  return 'env' in src ? src.env : '';
}

/** Every node joins through the VIP when there is one, else through the first server. */
export function joinUrl(inv: Inventory): string {
  const first = servers(inv)[0];
  return `https://${inv.vip?.address ?? first?.address ?? '127.0.0.1'}:6443`;
}

export function isFirstServer(inv: Inventory, node: Node): boolean {
  return servers(inv)[0]?.name === node.name;
}

/** VRRP priority of a server: its override, else basePriority - step * (index among servers). */
export function vrrpPriority(inv: Inventory, node: Node): number {
  if (node.vrrpPriority !== undefined) return node.vrrpPriority;
  const vip = inv.vip;
  if (!vip) return 0;
  const idx = servers(inv).findIndex((s) => s.name === node.name);
  return vip.basePriority - vip.priorityStep * idx;
}

/** The K3s config of a node, before the node's own `config` overrides: key order is the rendered order. */
export function baseK3sConfig(inv: Inventory, node: Node): Record<string, unknown> {
  const c = inv.cluster;
  const cfg: Record<string, unknown> = {};
  if (node.role === 'server') {
    if (isFirstServer(inv, node)) cfg['cluster-init'] = true;
    else cfg.server = joinUrl(inv);
  } else cfg.server = joinUrl(inv);
  cfg['token-file'] = tokenFile(inv);
  cfg['node-name'] = node.name;
  cfg['node-ip'] = node.address;
  cfg['flannel-iface'] = node.interface;
  cfg['node-label'] = [`topology.kubernetes.io/zone=${node.zone}`];
  if (node.role === 'server') {
    cfg['advertise-address'] = node.address;
    cfg['tls-san'] = [...new Set([c.apiDnsName, ...(inv.vip ? [inv.vip.address] : []), ...c.tlsSan])];
    cfg.disable = [...c.disable];
    cfg['cluster-cidr'] = c.clusterCidr;
    cfg['service-cidr'] = c.serviceCidr;
    cfg['cluster-dns'] = c.clusterDns;
    cfg['secrets-encryption'] = c.secretsEncryption;
    cfg['write-kubeconfig-mode'] = '0600';
    cfg['etcd-snapshot-schedule-cron'] = inv.snapshots.schedule;
    cfg['etcd-snapshot-retention'] = inv.snapshots.retention;
    cfg['kube-apiserver-arg'] = [`admission-control-config-file=${POD_SECURITY_FILE}`];
  }
  return cfg;
}

/** What K3s will actually read on this node: the base config with the node's overrides on top. */
export function effectiveK3sConfig(inv: Inventory, node: Node): Record<string, unknown> {
  return { ...baseK3sConfig(inv, node), ...(node.config ?? {}) };
}

/** The node's overrides that are not already part of the base config (rendered after it). */
export function extraK3sConfig(inv: Inventory, node: Node): Record<string, unknown> {
  const base = baseK3sConfig(inv, node);
  return Object.fromEntries(Object.entries(node.config ?? {}).filter(([k]) => !(k in base)));
}

/** Order rolling upgrades visit nodes in: servers one at a time in inventory order, then agents. */
export function upgradeOrder(inv: Inventory): Node[] {
  return [...servers(inv), ...agents(inv)];
}
