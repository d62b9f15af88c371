/**
 * Helpers of install.cluster.test.ts: install the platform's releases of one environment into the
 * shared local cluster, wait for their workloads with readable failures, and clean up after them.
 * Only the platform's four namespaces (and the cluster-scoped objects of the `platform` release)
 * are touched: other test files use the same cluster in parallel.
 */
import { type Environment, loadEnvironment, type Release, waves } from '@kosmos/environment';
import { HelmError, parseManifests, prepareChart, runHelm } from '@kosmos/helm';
import type { KubeObject } from '@kosmos/objects';
import { kubectl } from '@kosmos/testkit';
import type { LocalEnv } from '@kosmos/testkit/vitest';
import { type Env, type Json, root } from './helpers.ts';

export const PLATFORM_NAMESPACES = ['kosmos-core', 'kosmos-db', 'kosmos-observability', 'kosmos-ingress'] as const;
/** Namespaces of the node-level agents (node-exporter, the log shipper): Pod Security privileged. */
export const NODE_AGENT_NAMESPACES = ['kosmos-node-exporter', 'kosmos-logs'] as const;
export const ALL_NAMESPACES = [...PLATFORM_NAMESPACES, ...NODE_AGENT_NAMESPACES] as const;
export const WORKLOAD_KINDS = ['Deployment', 'StatefulSet', 'Rollout'] as const;
export const RETAIN_CLASS = 'local-path-retain';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface Kube {
  k(args: string[], input?: string): Promise<string>;
  json<T = Json>(args: string[]): Promise<T>;
  /** Items of a list, [] when the namespace does not exist. */
  list(resource: string, namespace?: string, selector?: string): Promise<Json[]>;
  helm(args: string[]): Promise<{ stdout: string; stderr: string }>;
}

export function kube(cluster: LocalEnv): Kube {
  const k = (args: string[], input?: string) => kubectl(cluster.kubectl, cluster.kubeconfig, args, input);
  const json = async <T = Json>(args: string[]) => JSON.parse(await k([...args, '-o', 'json'])) as T;
  return {
    k,
    json,
    async list(resource, namespace, selector) {
      const args = ['get', resource, ...(namespace ? ['-n', namespace] : []), ...(selector ? ['-l', selector] : [])];
      try {
        return (await json<{ items: Json[] }>(args)).items;
      } catch (e) {
        if (/namespaces? "[^"]+" not found|NotFound/.test((e as Error).message)) return [];
        throw e;
      }
    },
    helm: (args) => runHelm([...args, '--kubeconfig', cluster.kubeconfig]),
  };
}

/** Our releases of an environment (upstream controllers skipped: the testkit has their CRDs), in needs order. */
export function repoReleases(env: Env): { environment: Environment; releases: Release[] } {
  const environment = loadEnvironment(root, env);
  const ordered = waves(environment.releases).flat();
  return { environment, releases: ordered.filter((r) => r.chart.kind === 'repo') };
}

export function chartPath(r: Release): string {
  if (r.chart.kind !== 'repo') throw new Error(`${r.name} is an upstream release`);
  return r.chart.dir;
}

/**
 * On the simulated cluster nothing ships `local-path` (K3s does on staging and production): the
 * platform release creates it here whatever the environment says.
 */
export const localOverrides = (r: Release): string[] =>
  r.chart.kind === 'repo' && r.chart.name === 'platform' ? ['--set', 'storageClasses.local-path.create=true'] : [];

export interface Installed {
  release: Release;
  /** The objects helm applied (`helm get manifest`). */
  objects: KubeObject[];
  /** helm's stderr: the API server's warnings (PodSecurity `warn` level among them). */
  warnings: string;
}

/** `helm upgrade --install` of one release from the tree, without --wait (readiness is polled by the test). */
export async function installRelease(kc: Kube, r: Release, values: string[] = r.values): Promise<Installed> {
  const dir = chartPath(r);
  await prepareChart(dir);
  const args = ['upgrade', '--install', r.name, dir, '-n', r.namespace, ...values.flatMap((v) => ['-f', v])];
  let res: { stdout: string; stderr: string };
  try {
    res = await kc.helm([...args, ...localOverrides(r), '--timeout', '5m']);
  } catch (e) {
    if (e instanceof HelmError) throw new Error(`helm ${args.join(' ')} failed:\n${e.stderr}`);
    throw e;
  }
  const manifest = (await kc.helm(['get', 'manifest', r.name, '-n', r.namespace])).stdout;
  return { release: r, objects: parseManifests(manifest, `release ${r.name}`), warnings: res.stderr };
}

/** Waits until the quota controller has computed every ResourceQuota of the namespaces: until then admission rejects pods. */
export async function waitQuotasComputed(kc: Kube, namespaces: readonly string[], timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const pending: string[] = [];
    for (const ns of namespaces) {
      for (const q of await kc.list('resourcequota', ns)) if (!q.status?.hard) pending.push(`${ns}/${q.metadata.name}`);
    }
    if (pending.length === 0) return;
    if (Date.now() > deadline) throw new Error(`ResourceQuotas without status after ${timeoutMs / 1000}s: ${pending}`);
    await sleep(500);
  }
}

export interface WorkloadRef {
  kind: string;
  namespace: string;
  name: string;
}
export const refOf = (o: KubeObject, fallbackNs: string): WorkloadRef => ({
  kind: o.kind,
  namespace: o.metadata.namespace ?? fallbackNs,
  name: o.metadata.name,
});
export const show = (w: WorkloadRef) => `${w.kind} ${w.namespace}/${w.name}`;

export async function getObject(kc: Kube, w: WorkloadRef): Promise<Json | undefined> {
  try {
    return await kc.json(['get', w.kind.toLowerCase(), w.name, '-n', w.namespace]);
  } catch (e) {
    if (/NotFound|not found/.test((e as Error).message)) return undefined;
    throw e;
  }
}

const selectorOf = (o: Json): string =>
  Object.entries((o.spec?.selector?.matchLabels ?? {}) as Record<string, string>)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');

/** The pods a workload selects (by its matchLabels). */
export async function podsOf(kc: Kube, o: Json): Promise<Json[]> {
  const sel = selectorOf(o);
  return sel ? kc.list('pods', o.metadata.namespace, sel) : [];
}

/** Why a Deployment/StatefulSet/DaemonSet is not Ready yet, or undefined when it is. */
export function notReady(o: Json): string | undefined {
  const s = o.status ?? {};
  if (o.kind === 'DaemonSet') {
    const want = s.desiredNumberScheduled ?? 0;
    if ((s.observedGeneration ?? 0) < o.metadata.generation)
      return `observedGeneration ${s.observedGeneration} < ${o.metadata.generation}`;
    if (want === 0 || (s.numberReady ?? 0) !== want || (s.updatedNumberScheduled ?? 0) !== want)
      return `desired ${want}, ready ${s.numberReady ?? 0}, updated ${s.updatedNumberScheduled ?? 0}`;
    return undefined;
  }
  const want = o.spec?.replicas ?? 1;
  if ((s.observedGeneration ?? 0) < o.metadata.generation)
    return `observedGeneration ${s.observedGeneration} < ${o.metadata.generation}`;
  const ready = s.readyReplicas ?? 0;
  const available = s.availableReplicas ?? 0;
  const updated = s.updatedReplicas ?? 0;
  if (ready !== want || available !== want || (s.replicas ?? 0) !== want || updated !== want)
    return `replicas ${want}, status: replicas ${s.replicas ?? 0}, ready ${ready}, available ${available}, updated ${updated}`;
  return undefined;
}

/** Events of a namespace about an object or the objects named after it (its ReplicaSets, pods, claims). */
export async function eventsAbout(kc: Kube, namespace: string, name: string, limit = 15): Promise<string[]> {
  const events = await kc.list('events', namespace);
  return events
    .filter((e) => e.involvedObject?.name === name || String(e.involvedObject?.name).startsWith(`${name}-`))
    .sort((a, b) => String(a.lastTimestamp ?? a.eventTime).localeCompare(String(b.lastTimestamp ?? b.eventTime)))
    .slice(-limit)
    .map(
      (e) =>
        `${e.type} ${e.reason} ${e.involvedObject.kind}/${e.involvedObject.name}${e.count > 1 ? ` (x${e.count})` : ''}: ${e.message}`,
    );
}

/** A workload's status, its pods' phases and the recent events around it, for assertion messages. */
export async function diagnose(kc: Kube, w: WorkloadRef): Promise<string> {
  const o = await getObject(kc, w);
  if (!o) return `${show(w)} does not exist`;
  const pods = await podsOf(kc, o);
  const podLines = pods.map((p) => {
    const conds = (p.status?.conditions ?? [])
      .filter((c: Json) => c.status !== 'True')
      .map((c: Json) => `${c.type}=${c.status}${c.reason ? ` ${c.reason}` : ''}${c.message ? `: ${c.message}` : ''}`);
    return `    pod ${p.metadata.name}: ${p.status?.phase ?? '?'} on ${p.spec?.nodeName ?? '(unscheduled)'}${conds.length ? `; ${conds.join('; ')}` : ''}`;
  });
  const events = await eventsAbout(kc, w.namespace, w.name);
  return [
    `${show(w)}: ${notReady(o) ?? 'ready'}`,
    `  spec.replicas ${o.spec?.replicas}; status ${JSON.stringify(o.status ?? {})}`,
    `  pods (${pods.length}):`,
    ...(podLines.length ? podLines : ['    (none)']),
    '  recent events:',
    ...(events.length ? events.map((e) => `    ${e}`) : ['    (none)']),
  ].join('\n');
}

/**
 * Polls until every Deployment/StatefulSet is Ready (ready = available = updated = spec.replicas,
 * generation observed). At the deadline, fails with the diagnosis of each one still not Ready.
 */
export async function waitReady(kc: Kube, workloads: WorkloadRef[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let pending = workloads;
  for (;;) {
    const still: WorkloadRef[] = [];
    for (const w of pending) {
      const o = await getObject(kc, w);
      if (!o || notReady(o)) still.push(w);
    }
    pending = still;
    if (pending.length === 0) return;
    if (Date.now() > deadline) {
      const why = await Promise.all(pending.map((w) => diagnose(kc, w)));
      throw new Error(
        `${pending.length} workload(s) not Ready after ${Math.round(timeoutMs / 1000)}s:\n${why.join('\n\n')}`,
      );
    }
    await sleep(1000);
  }
}

/** Polls `check` (which returns undefined when satisfied, else why not) until it holds or fails with its last answer. */
export async function until(what: string, check: () => Promise<string | undefined>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const why = await check();
    if (why === undefined) return;
    if (Date.now() > deadline)
      throw new Error(`timed out after ${Math.round(timeoutMs / 1000)}s waiting for ${what}: ${why}`);
    await sleep(1000);
  }
}

/** FailedCreate events of the namespaces (pods refused by admission: PodSecurity, quota, limits). */
export async function failedCreates(kc: Kube, namespaces: readonly string[]): Promise<string[]> {
  const out: string[] = [];
  for (const ns of namespaces) {
    for (const e of await kc.list('events', ns)) {
      if (e.reason === 'FailedCreate')
        out.push(
          `${ns} ${e.involvedObject.kind}/${e.involvedObject.name}${e.count > 1 ? ` (x${e.count})` : ''}: ${e.message}`,
        );
    }
  }
  return out;
}

export interface ClaimRecord {
  namespace: string;
  name: string;
  uid: string;
  volumeName: string;
  phase: string;
  storageClassName: string;
}
export async function claims(kc: Kube, namespaces: readonly string[], storageClass?: string): Promise<ClaimRecord[]> {
  const out: ClaimRecord[] = [];
  for (const ns of namespaces) {
    for (const c of await kc.list('pvc', ns)) {
      if (storageClass && c.spec.storageClassName !== storageClass) continue;
      out.push({
        namespace: ns,
        name: c.metadata.name,
        uid: c.metadata.uid,
        volumeName: c.spec.volumeName ?? '',
        phase: c.status?.phase ?? '',
        storageClassName: c.spec.storageClassName,
      });
    }
  }
  return out.sort((a, b) => `${a.namespace}/${a.name}`.localeCompare(`${b.namespace}/${b.name}`));
}

/** Every release of ours, any environment, in reverse needs order (uninstalling one not installed is a no-op). */
const allReleases = () =>
  repoReleases('production')
    .releases.slice()
    .reverse()
    .map((r) => ({ name: r.name, namespace: r.namespace }));

/** `helm uninstall` of releases in the given order, waiting for their objects to go. */
export async function uninstall(kc: Kube, releases: { name: string; namespace: string }[]): Promise<void> {
  for (const r of releases) {
    await kc.helm(['uninstall', r.name, '-n', r.namespace, '--wait', '--timeout', '3m', '--ignore-not-found']);
  }
}

/**
 * Leaves the cluster as if the platform was never installed: releases uninstalled, retained
 * claims and the platform's namespaces deleted (waited for), their released volumes deleted.
 */
export async function cleanPlatform(kc: Kube, timeoutMs = 180_000): Promise<void> {
  await uninstall(kc, allReleases());
  const existing = (await kc.list('namespaces'))
    .map((n) => n.metadata.name as string)
    .filter((n) => (ALL_NAMESPACES as readonly string[]).includes(n));
  if (existing.length > 0) {
    await kc.k(['delete', 'namespace', ...existing, '--ignore-not-found', '--wait=false']);
    await until(
      `namespaces ${existing.join(', ')} to be deleted`,
      async () => {
        const left = (await kc.list('namespaces')).filter((n) => existing.includes(n.metadata.name));
        if (left.length === 0) return undefined;
        const what = await Promise.all(
          left.map(async (n) => {
            const conds = (n.status?.conditions ?? [])
              .filter((c: Json) => c.status === 'True')
              .map((c: Json) => c.message);
            return `${n.metadata.name} ${n.status?.phase}${conds.length ? `: ${conds.join('; ')}` : ''}`;
          }),
        );
        return what.join(' | ');
      },
      timeoutMs,
    );
  }
  const volumes = (await kc.list('pv')).filter((v) =>
    (PLATFORM_NAMESPACES as readonly string[]).includes(v.spec?.claimRef?.namespace),
  );
  if (volumes.length > 0) {
    await kc.k([
      'delete',
      'pv',
      ...volumes.map((v) => v.metadata.name),
      '--ignore-not-found',
      '--wait=true',
      '--timeout=120s',
    ]);
  }
}
