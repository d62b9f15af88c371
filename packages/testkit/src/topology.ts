/**
 * The simulated cluster's shape: the production K3s cluster of the seeds (three servers that
 * are control plane, etcd and workers at once, 4 vCPU / 8 GB each, one per zone).
 */
export interface SimNode {
  name: string;
  zone: string;
  ip: string;
  cpu: string;
  memory: string;
  pods: string;
  /** K3s servers carry the control-plane and etcd role labels; agents do not. Default: server. */
  role?: 'server' | 'agent';
  labels?: Record<string, string>;
  taints?: { key: string; value?: string; effect: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute' }[];
}

export const DEFAULT_NODES: readonly SimNode[] = [1, 2, 3].map((i) => ({
  name: `kosmos-server-${i}`,
  zone: `zone-${'abc'[i - 1]}`,
  ip: `10.0.0.${10 + i}`,
  cpu: '4',
  memory: '8Gi',
  pods: '110',
}));

/** Storage classes the charts use, and the reclaim policy their volumes get. */
export const STORAGE_CLASSES: readonly { name: string; reclaimPolicy: 'Delete' | 'Retain' }[] = [
  { name: 'local-path', reclaimPolicy: 'Delete' },
  { name: 'local-path-retain', reclaimPolicy: 'Retain' },
];

/** K3s's defaults, which the seeds keep. */
export const CLUSTER_CIDR = '10.42.0.0/16';
export const SERVICE_CIDR = '10.43.0.0/16';
export const KUBERNETES_SERVICE_IP = '10.43.0.1';

export const KWOK_ANNOTATION = 'kwok.x-k8s.io/node';

/**
 * A Node object as K3s registers it (labels included), for kwok to bring to Ready.
 * `kubeletVersion` as the node reports it, e.g. `v1.36.3+k3s1`.
 */
export function nodeObject(n: SimNode, kubeletVersion: string): object {
  const server = (n.role ?? 'server') === 'server';
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: n.name,
      annotations: { [KWOK_ANNOTATION]: 'fake' },
      labels: {
        'kubernetes.io/hostname': n.name,
        'kubernetes.io/os': 'linux',
        'kubernetes.io/arch': 'amd64',
        'node.kubernetes.io/instance-type': 'k3s',
        ...(server
          ? {
              'node-role.kubernetes.io/control-plane': 'true',
              'node-role.kubernetes.io/master': 'true',
              'node-role.kubernetes.io/etcd': 'true',
            }
          : {}),
        'topology.kubernetes.io/region': 'kosmos-local',
        'topology.kubernetes.io/zone': n.zone,
        type: 'kwok',
        ...n.labels,
      },
    },
    spec: n.taints ? { taints: n.taints } : {},
    status: {
      addresses: [
        { type: 'InternalIP', address: n.ip },
        { type: 'Hostname', address: n.name },
      ],
      capacity: { cpu: n.cpu, memory: n.memory, pods: n.pods, 'ephemeral-storage': '100Gi' },
      allocatable: { cpu: n.cpu, memory: n.memory, pods: n.pods, 'ephemeral-storage': '100Gi' },
      nodeInfo: {
        architecture: 'amd64',
        operatingSystem: 'linux',
        kubeletVersion,
        kubeProxyVersion: kubeletVersion,
        containerRuntimeVersion: 'containerd://simulated',
        kernelVersion: 'simulated',
        osImage: 'simulated by kwok',
        machineID: '',
        systemUUID: '',
        bootID: '',
      },
    },
  };
}
