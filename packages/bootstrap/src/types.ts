/** The inventory of one environment (`environments/<env>/inventory.yaml`), as validated by schema.ts. */

export type Role = 'server' | 'agent';

/** Where the K3s cluster token comes from: a file already on the node, or an env var NAME read at install time. */
export type TokenSource = { file: string } | { env: string };

export interface PodSecurity {
  enforce: 'privileged' | 'baseline' | 'restricted';
  audit: 'privileged' | 'baseline' | 'restricted';
  warn: 'privileged' | 'baseline' | 'restricted';
  exemptNamespaces: string[];
}

export interface Cluster {
  name: string;
  k3sVersion: string;
  apiDnsName: string;
  clusterCidr: string;
  serviceCidr: string;
  clusterDns: string;
  /** Extra names/addresses for the API certificate (the VIP and apiDnsName are always added). */
  tlsSan: string[];
  tokenSource: TokenSource;
  disable: string[];
  secretsEncryption: boolean;
  podSecurity: PodSecurity;
}

export interface Snapshots {
  /** K3s built-in snapshots: `etcd-snapshot-schedule-cron`. */
  schedule: string;
  /** K3s built-in snapshots: `etcd-snapshot-retention`. */
  retention: number;
  /** etcd-snapshot.sh, run by a systemd timer on every server: verified, with the token hash beside it. */
  backup: { onCalendar: string; dir: string; keep: number };
}

export interface VrrpCheck {
  interval: number;
  timeout: number;
  rise: number;
  fall: number;
}

export interface Vip {
  address: string;
  prefixLength: number;
  vrid: number;
  /** Priority of the first server; each next server in inventory order gets `priorityStep` less. */
  basePriority: number;
  priorityStep: number;
  /** VRRP PASS auth: the password lives in a file on the node (`auth_pass ...`), included by keepalived.conf. */
  auth?: { type: 'PASS'; passFile: string };
  check: VrrpCheck;
}

export interface Node {
  name: string;
  address: string;
  role: Role;
  interface: string;
  zone: string;
  /** Overrides this server's VRRP priority (else derived from inventory order). */
  vrrpPriority?: number;
  /** Extra K3s config keys for this node, merged over the rendered ones. */
  config?: Record<string, unknown>;
}

export interface Inventory {
  cluster: Cluster;
  snapshots: Snapshots;
  vip?: Vip;
  nodes: Node[];
}

/** One problem found in an inventory: which node (or `(cluster)`), which field, what is wrong. */
export interface Issue {
  node: string;
  field: string;
  message: string;
  /** Path into the inventory document, for the file:line:column. */
  path: (string | number)[];
}
