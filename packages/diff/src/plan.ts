import type { Environment, Release } from '@kosmos/environment';
import { type Cluster, type HelmRelease, helmRelease } from '@kosmos/kube';
import { byCodeUnit, type KubeObject, type ObjectRef, objectId, refOf } from '@kosmos/objects';
import { type RenderOptions, renderEnvironment, type SkippedRelease } from '@kosmos/render';
import { appliesAsIs } from './applies.ts';
import { compareObject, hasDrift, type ObjectChange, type ReleaseSummary, summarise } from './changes.ts';
import { Redactor } from './secrets.ts';

/** What applying one release would change. */
export interface ReleaseDiff {
  release: string;
  namespace: string;
  /** The live Helm release (undefined: not installed). */
  live?: { revision: number; status: string; chartVersion: string };
  /**
   * The live Helm release record the diff was made against (undefined: not installed), for
   * callers that need more of it (status) without asking the cluster again. Not enumerable, so
   * it never reaches JSON: the record's manifest holds Secrets as rendered, values and all.
   */
  liveRecord?: HelmRelease;
  objects: ObjectChange[];
  summary: ReleaseSummary;
}

export interface EnvironmentDiff {
  env: string;
  context: string;
  server: string;
  releases: ReleaseDiff[];
  skipped: { release: string; reason: string }[];
  /** Releases helm could not render (only with `onRenderError: 'collect'`): their drift is unknown. */
  failed: { release: string; reason: string }[];
  drift: boolean;
  seconds: number;
  /** Blanks out every Secret value seen, for anything printed. */
  redactor: Redactor;
}

export interface DiffOptions {
  only?: string[];
  /** Lines of context in the diffs (default 3). */
  context?: number;
  upstream?: RenderOptions['upstream'];
  registryUrl?: string;
  onRelease?: (r: ReleaseDiff) => void;
  /** Called once the charts are rendered, before the cluster is asked. */
  onRendered?: (objects: number) => void;
  /**
   * A release helm cannot render fails the whole diff (the default: a missing release must never
   * read as "delete everything it owns"), or is listed in `failed` and left out (status, where
   * the other releases' drift is still worth knowing).
   */
  onRenderError?: 'throw' | 'collect';
}

/** Helm's hooks are not part of the release manifest and are not applied by an upgrade as objects. */
const isHook = (o: KubeObject) => !!o.metadata.annotations?.['helm.sh/hook'];

/**
 * What `helm upgrade` adds to every object it applies (helm 4 applies server-side as field
 * manager `helm`). Applying without them as `helm` would show them as removed.
 */
function asHelmApplies(o: KubeObject, r: Release): KubeObject {
  return {
    ...o,
    metadata: {
      ...o.metadata,
      labels: { ...o.metadata.labels, 'app.kubernetes.io/managed-by': 'Helm' },
      annotations: {
        ...o.metadata.annotations,
        'meta.helm.sh/release-name': r.name,
        'meta.helm.sh/release-namespace': r.namespace,
      },
    },
  };
}

/**
 * The manager to dry-run as: the one that applied the live object if that was helm (so fields
 * a chart no longer sets show as removed, exactly as `helm upgrade` would remove them), else
 * kosmos' own manager (a new object, or one helm 3 created with client-side apply).
 */
function managerFor(live: KubeObject | undefined): string {
  const fields = (live?.metadata.managedFields ?? []) as { manager?: string; operation?: string }[];
  return fields.some((f) => f.manager === 'helm' && f.operation === 'Apply') ? 'helm' : 'kosmos';
}

/**
 * Renders an environment and compares each release with its live cluster:
 * - every rendered object: server-side apply dry run vs. the live object, both normalised;
 * - every object of the live Helm release record that is no longer rendered: a deletion;
 * - a missing namespace or CRD: an addition with a note saying so.
 * Requests go through the cluster's bounded pool and kept-alive connections.
 *
 * The caller pings the cluster first (`cluster.client.ping()`), so that a cluster that is down
 * fails in one line before any chart is rendered; this function does not ping again.
 *
 * Anything it throws has passed through the Redactor: an API server message that echoes a
 * Secret value (a rejected dry run, say) is rethrown with the value blanked out, as the same
 * class of error (so a user-facing error stays user-facing).
 */
export async function diffEnvironment(
  env: Environment,
  cluster: Cluster,
  o: DiffOptions = {},
): Promise<EnvironmentDiff> {
  const redactor = new Redactor();
  try {
    return await diffWith(env, cluster, o, redactor);
  } catch (e) {
    throw redactor.redactError(e);
  }
}

async function diffWith(
  env: Environment,
  cluster: Cluster,
  o: DiffOptions,
  redactor: Redactor,
): Promise<EnvironmentDiff> {
  const started = performance.now();
  // The Helm records do not depend on the render: asked while helm runs, so the cluster's part
  // of the wait overlaps helm's.
  const records = new Map(
    env.releases
      .filter((r) => !o.only || o.only.includes(r.name))
      .map((r) => {
        const p = helmRelease(cluster, r.namespace, r.name);
        p.catch(() => {}); // awaited below; a release that is not rendered never awaits it
        return [r.name, p] as const;
      }),
  );
  const rendered = await renderEnvironment(env, {
    ...(o.only ? { only: o.only } : {}),
    ...(o.registryUrl ? { registryUrl: o.registryUrl } : {}),
    upstream: o.upstream ?? 'render',
    ...(o.onRenderError ? { onError: o.onRenderError } : {}),
  });
  o.onRendered?.(rendered.rendered.reduce((n, r) => n + r.objects.length, 0));
  // Namespaces some release of this environment creates, for "would be created by" notes.
  const namespaceCreators = new Map<string, string>();
  for (const r of rendered.rendered) {
    for (const obj of r.objects) if (obj.kind === 'Namespace') namespaceCreators.set(obj.metadata.name, r.release.name);
  }
  const context = o.context ?? 3;

  // Each release's record and objects first, then the live objects of all of them at once: one
  // list per kind and namespace rather than a GET per object (see `liveObjects`).
  const prepared = await Promise.all(
    rendered.rendered.map(async (r) => {
      const release = r.release;
      const record = await (records.get(release.name) ?? helmRelease(cluster, release.namespace, release.name));
      const desired = await Promise.all(
        r.objects.filter((x) => !isHook(x)).map((x) => cluster.withNamespace(x, release.namespace)),
      );
      const owned = record
        ? await Promise.all(record.objects.map((x) => cluster.withNamespace(x, release.namespace)))
        : [];
      const wanted = new Set(desired.map(objectId));
      return { release, record, desired, gone: owned.filter((x) => !wanted.has(objectId(x))) };
    }),
  );
  const live = await liveObjects(
    cluster,
    prepared.flatMap((p) => [...p.desired, ...p.gone].map((x) => refOf(x))),
  );

  const releases = await Promise.all(
    prepared.map(async ({ release, record, desired, gone }): Promise<ReleaseDiff> => {
      const forDesired = desired.map(async (obj): Promise<ObjectChange> => {
        redactor.add(obj);
        const current = live.get(objectId(obj));
        redactor.add(current);
        const applied = asHelmApplies(obj, release);
        const manager = managerFor(current);
        // An object whose apply would change nothing needs no dry run (the common case: a diff
        // after one value changed sends a PATCH for the few objects that may change).
        if (current && appliesAsIs(applied, current, manager)) return unchangedObject(current);
        const result = await cluster.applyDryRun(applied, manager);
        if (result.ok) {
          redactor.add(result.object);
          return compareObject({ ...(current ? { live: current } : {}), desired: result.object, context });
        }
        const p = result.problem;
        const note =
          p.kind === 'no-namespace'
            ? `${p.message}: ${namespaceCreators.has(p.namespace) ? `would be created by release ${namespaceCreators.get(p.namespace)}` : 'no release of this environment creates it'}`
            : p.kind === 'no-crd'
              ? p.message
              : `the API server rejects it: ${p.message}`;
        return compareObject({ ...(current ? { live: current } : {}), desired: obj, context, note });
      });

      const forDeleted = gone.map(async (obj): Promise<ObjectChange | undefined> => {
        const current = live.get(objectId(obj));
        redactor.add(obj);
        redactor.add(current);
        if (!current) return undefined;
        if (current.metadata.annotations?.['helm.sh/resource-policy'] === 'keep') return undefined;
        return compareObject({ live: { ...current, apiVersion: obj.apiVersion, kind: obj.kind }, context });
      });

      const objects = [
        ...(await Promise.all(forDesired)),
        ...((await Promise.all(forDeleted)).filter(Boolean) as ObjectChange[]),
      ].sort((a, b) => byCodeUnit(a.id, b.id));
      const out: ReleaseDiff = {
        release: release.name,
        namespace: release.namespace,
        ...(record ? { live: liveInfo(record) } : {}),
        objects,
        summary: summarise(release.name, release.namespace, objects),
      };
      if (record) Object.defineProperty(out, 'liveRecord', { value: record, enumerable: false });
      o.onRelease?.(out);
      return out;
    }),
  );
  return {
    env: env.name,
    context: cluster.client.context,
    server: cluster.client.server,
    releases,
    skipped: rendered.skipped.map((s: SkippedRelease) => ({ release: s.release.name, reason: s.reason })),
    failed: rendered.failed.map((f) => ({
      release: f.release.name,
      reason: redactor.redact(f.error.message.split('\n')[0] ?? ''),
    })),
    drift: hasDrift(releases.map((r) => r.summary)),
    seconds: (performance.now() - started) / 1000,
    redactor,
  };
}

const liveInfo = (h: HelmRelease) => ({ revision: h.revision, status: h.status, chartVersion: h.chart.version });

/** An object an apply would leave as it is: compareObject's "unchanged", without printing it. */
function unchangedObject(o: KubeObject): ObjectChange {
  return {
    id: objectId(o),
    apiVersion: o.apiVersion,
    kind: o.kind,
    ...(o.metadata.namespace ? { namespace: o.metadata.namespace } : {}),
    name: o.metadata.name,
    change: 'unchanged',
    diff: '',
  };
}

/**
 * Which requests fetch these objects: a list per kind and namespace where two or more are
 * wanted, a GET where one is. Secrets are always fetched one by one: a namespace's list of them
 * carries every Helm release record, revisions and all. Pure, for the tests.
 */
export function fetchPlan(refs: readonly ObjectRef[]): { lists: ObjectRef[][]; gets: ObjectRef[] } {
  const groups = new Map<string, ObjectRef[]>();
  for (const r of refs) {
    const k = `${r.apiVersion}\0${r.kind}\0${r.namespace ?? ''}`;
    const g = groups.get(k);
    if (g) {
      if (!g.some((x) => x.name === r.name)) g.push(r);
    } else groups.set(k, [r]);
  }
  const lists: ObjectRef[][] = [];
  const gets: ObjectRef[] = [];
  for (const g of groups.values()) {
    if (g.length >= 2 && g[0]?.kind !== 'Secret') lists.push(g);
    else gets.push(...g);
  }
  return { lists, gets };
}

/** The live objects of these references, by objectId (absent: not in the cluster). */
async function liveObjects(cluster: Cluster, refs: readonly ObjectRef[]): Promise<Map<string, KubeObject>> {
  const { lists, gets } = fetchPlan(refs);
  const out = new Map<string, KubeObject>();
  await Promise.all([
    ...lists.map(async (g) => {
      const first = g[0] as ObjectRef;
      const names = new Set(g.map((r) => r.name));
      const items = await cluster.list(
        first.apiVersion,
        first.kind,
        first.namespace ? { namespace: first.namespace } : {},
      );
      for (const o of items) if (names.has(o.metadata.name)) out.set(objectId(o), o);
    }),
    ...gets.map(async (r) => {
      const o = await cluster.get(r);
      if (o)
        out.set(objectId({ ...o, apiVersion: r.apiVersion, kind: r.kind }), {
          ...o,
          apiVersion: r.apiVersion,
          kind: r.kind,
        });
    }),
  ]);
  return out;
}
