/**
 * Pod Security Standards "restricted" checks on rendered objects, without a cluster: the same
 * rules the PodSecurity admission plugin applies (policy version latest), plus our own rule that
 * root filesystems are read-only unless a test says otherwise.
 */
import type { KubeObject } from '@kosmos/objects';

type Json = Record<string, unknown>;

export interface Container {
  name: string;
  image?: string;
  securityContext?: Json;
  ports?: Array<{ name?: string; containerPort: number; hostPort?: number }>;
  env?: Array<{ name: string; value?: string; valueFrom?: Json }>;
  args?: string[];
  command?: string[];
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  livenessProbe?: Json;
  readinessProbe?: Json;
  startupProbe?: Json;
  volumeMounts?: Array<{ name: string; mountPath: string }>;
}

export interface PodSpec {
  containers: Container[];
  initContainers?: Container[];
  ephemeralContainers?: Container[];
  securityContext?: Json;
  volumes?: Array<Record<string, unknown> & { name: string }>;
  hostNetwork?: boolean;
  hostPID?: boolean;
  hostIPC?: boolean;
  serviceAccountName?: string;
  automountServiceAccountToken?: boolean;
  [k: string]: unknown;
}

export interface WorkloadPod {
  /** "Kind/name" of the object that holds the pod template. */
  owner: string;
  spec: PodSpec;
  labels: Record<string, string>;
}

const get = (o: unknown, ...path: string[]): unknown =>
  path.reduce<unknown>((v, k) => (v && typeof v === 'object' ? (v as Json)[k] : undefined), o);

/** Pod templates of every workload kind (Pod, Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, CronJob, Rollout). */
export function workloadPods(objects: KubeObject[]): WorkloadPod[] {
  const out: WorkloadPod[] = [];
  for (const o of objects) {
    let tpl: unknown;
    if (o.kind === 'Pod') tpl = { metadata: o.metadata, spec: o.spec };
    else if (o.kind === 'CronJob') tpl = get(o, 'spec', 'jobTemplate', 'spec', 'template');
    else if (['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job', 'Rollout'].includes(o.kind))
      tpl = get(o, 'spec', 'template');
    else continue;
    const spec = get(tpl, 'spec') as PodSpec | undefined;
    if (!spec) throw new Error(`${o.kind}/${o.metadata.name} has no pod template`);
    out.push({
      owner: `${o.kind}/${o.metadata.name}`,
      spec,
      labels: (get(tpl, 'metadata', 'labels') as Record<string, string>) ?? {},
    });
  }
  return out;
}

export function allContainers(spec: PodSpec): Container[] {
  return [...(spec.initContainers ?? []), ...spec.containers, ...(spec.ephemeralContainers ?? [])];
}

const ALLOWED_VOLUMES = [
  'configMap',
  'csi',
  'downwardAPI',
  'emptyDir',
  'ephemeral',
  'persistentVolumeClaim',
  'projected',
  'secret',
];
const SAFE_SYSCTLS = [
  'kernel.shm_rmid_forced',
  'net.ipv4.ip_local_port_range',
  'net.ipv4.ip_unprivileged_port_start',
  'net.ipv4.tcp_syncookies',
  'net.ipv4.ping_group_range',
  'net.ipv4.ip_local_reserved_ports',
  'net.ipv4.tcp_keepalive_time',
  'net.ipv4.tcp_fin_timeout',
  'net.ipv4.tcp_keepalive_intvl',
  'net.ipv4.tcp_keepalive_probes',
];

export interface RestrictedOptions {
  /** Also require readOnlyRootFilesystem: true on every container (our convention). Default true. */
  readOnlyRootFilesystem?: boolean;
}

/** Every violation of the restricted profile in one pod spec, as readable sentences. */
export function restrictedViolations(spec: PodSpec, opts: RestrictedOptions = {}): string[] {
  const v: string[] = [];
  const pod = spec.securityContext ?? {};
  if (spec.hostNetwork) v.push('hostNetwork is true');
  if (spec.hostPID) v.push('hostPID is true');
  if (spec.hostIPC) v.push('hostIPC is true');
  for (const vol of spec.volumes ?? []) {
    const types = Object.keys(vol).filter((k) => k !== 'name');
    for (const t of types) if (!ALLOWED_VOLUMES.includes(t)) v.push(`volume ${vol.name} has type ${t}`);
  }
  for (const s of (pod.sysctls as Array<{ name: string }> | undefined) ?? []) {
    if (!SAFE_SYSCTLS.includes(s.name)) v.push(`sysctl ${s.name} is not safe`);
  }
  const podSeccomp = get(pod, 'seccompProfile', 'type');
  if (pod.runAsNonRoot === false) v.push('pod runAsNonRoot is false');
  if (pod.runAsUser === 0) v.push('pod runAsUser is 0');
  if (podSeccomp !== undefined && podSeccomp !== 'RuntimeDefault' && podSeccomp !== 'Localhost')
    v.push(`pod seccompProfile is ${String(podSeccomp)}`);
  for (const c of allContainers(spec)) {
    const sc = c.securityContext ?? {};
    const where = `container ${c.name}`;
    if (sc.privileged === true) v.push(`${where} is privileged`);
    if (sc.allowPrivilegeEscalation !== false) v.push(`${where} does not set allowPrivilegeEscalation: false`);
    const runAsNonRoot = sc.runAsNonRoot ?? pod.runAsNonRoot;
    if (runAsNonRoot !== true) v.push(`${where} does not run with runAsNonRoot: true`);
    if ((sc.runAsUser ?? pod.runAsUser) === 0) v.push(`${where} runs as uid 0`);
    const seccomp = get(sc, 'seccompProfile', 'type') ?? podSeccomp;
    if (seccomp !== 'RuntimeDefault' && seccomp !== 'Localhost')
      v.push(`${where} has no RuntimeDefault/Localhost seccomp profile`);
    const caps = (sc.capabilities ?? {}) as { add?: string[]; drop?: string[] };
    if (!(caps.drop ?? []).includes('ALL')) v.push(`${where} does not drop ALL capabilities`);
    for (const a of caps.add ?? []) if (a !== 'NET_BIND_SERVICE') v.push(`${where} adds capability ${a}`);
    for (const p of c.ports ?? []) if (p.hostPort) v.push(`${where} uses hostPort ${p.hostPort}`);
    if (sc.procMount !== undefined && sc.procMount !== 'Default')
      v.push(`${where} sets procMount ${String(sc.procMount)}`);
    if ((opts.readOnlyRootFilesystem ?? true) && sc.readOnlyRootFilesystem !== true)
      v.push(`${where} has a writable root filesystem`);
  }
  return v;
}

/** Violations of every pod template in a rendered release, prefixed with the owning object. */
export function releaseViolations(objects: KubeObject[], opts: RestrictedOptions = {}): string[] {
  return workloadPods(objects).flatMap((p) => restrictedViolations(p.spec, opts).map((m) => `${p.owner}: ${m}`));
}
