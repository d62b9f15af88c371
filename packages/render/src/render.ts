import { readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Environment, Release } from '@kosmos/environment';
import { checkReleaseValues, EnvironmentError, helmSchemaProblems, waves } from '@kosmos/environment';
import {
  HelmError,
  helmIdentity,
  isCleanYaml,
  type ManifestDoc,
  parseManifestDocs,
  prepareChart,
  type TemplateInput,
  templateText,
} from '@kosmos/helm';
import { compareObjects, type KubeObject } from '@kosmos/objects';
import pLimit, { type LimitFunction } from 'p-limit';
import { stringify } from 'yaml';
import { cacheKey, chartDigest, RenderCache } from './cache.ts';
import { apiVersionsFor } from './capabilities.ts';
import { type ChartSource, chartSource, type SourcePreference } from './source.ts';

export interface RenderedRelease {
  release: Release;
  source: ChartSource;
  objects: KubeObject[];
  /** The objects with the template each came from (`# Source:`), in helm's order. */
  docs: ManifestDoc[];
  /** Deterministic multi-document YAML: same inputs, same bytes. */
  manifest: string;
  /** helm's output came from the render cache (same inputs rendered before). */
  cached: boolean;
}

export interface FailedRelease {
  release: Release;
  error: Error;
}

export interface SkippedRelease {
  release: Release;
  reason: string;
}

export interface RenderOptions {
  /** Only these releases (by name). */
  only?: string[];
  /** helm processes at once; each one keeps a core busy. */
  concurrency?: number;
  /** A pool shared by several calls (one invocation rendering several environments); overrides `concurrency`. */
  limit?: LimitFunction;
  /**
   * Chart digests (for the cache key) shared by several calls of one invocation: each chart
   * folder is read and hashed once, not once per environment. Only for calls that see the same
   * files (one command), never across edits.
   */
  digests?: Map<string, Promise<string>>;
  /** The render cache (default: one in `defaultCacheDir()`); `false` always runs helm. */
  cache?: RenderCache | false;
  /** Registry URL for the local environment (`oci://127.0.0.1:PORT/charts`). */
  registryUrl?: string;
  prefer?: SourcePreference;
  /** Upstream charts live in repositories that may be out of reach (CI, air gap). */
  upstream?: 'render' | 'skip';
  /**
   * What a release that helm cannot render does: fail the whole render (the default, for diff and
   * deploy, where a missing release must never read as "delete everything it owns"), or be
   * collected in `failed` so lint can report it beside everything else.
   */
  onError?: 'throw' | 'collect';
  onRelease?: (r: RenderedRelease) => void;
}

export interface RenderResult {
  env: Environment;
  rendered: RenderedRelease[];
  skipped: SkippedRelease[];
  failed: FailedRelease[];
}

/**
 * The manifest text of a release: sorted objects, each after its Source line. Each object is
 * written as helm wrote it where its text is known (a fresh render): the profile of a cold render
 * showed serialising every object again at ~15 % of our process. Deterministic all the same:
 * helm's text for the same inputs is the same bytes, and the order is the objects' identity.
 */
export function manifestOf(release: Release, docs: readonly ManifestDoc[]): string {
  const sorted = [...docs].sort((a, b) => compareObjects(a.object, b.object));
  const body = sorted
    .map((d) => `---\n${d.source ? `# Source: ${d.source}\n` : ''}${d.text ?? stringify(d.object, { lineWidth: 0 })}`)
    .join('');
  return `# Release: ${release.name} (namespace ${release.namespace})\n${body}`;
}

export function templateInput(env: Environment, r: Release, source: ChartSource): TemplateInput {
  const base = {
    release: r.name,
    namespace: r.namespace,
    valuesFiles: r.values,
    kubeVersion: env.kubernetesVersion,
    apiVersions: apiVersionsFor(env),
  };
  switch (source.kind) {
    case 'tree':
      return { ...base, chart: source.dir };
    case 'oci':
      return {
        ...base,
        chart: source.ref,
        version: source.version,
        plainHttp: source.ref.startsWith('oci://127.0.0.1'),
      };
    case 'upstream':
      return { ...base, chart: source.name, repo: source.repository, version: source.version };
  }
}

/**
 * helm refused the values: a file that is not YAML at its line; a schema violation (helm names
 * only the chart) as every violation, each at its
 * file:line:col with the key and what was expected. Our own check of each file against the
 * chart's schema first (tree charts); what it cannot see (a key required of the merged values,
 * a chart from the registry) from helm's own lines, placed in the values files.
 */
function valuesError(root: string, r: Release, source: ChartSource, e: HelmError): EnvironmentError | undefined {
  // A values file that is not YAML (tabs, say) is bad input, exit 2, at its line. Checked only
  // once helm has failed: helm refuses such a file too, and a cold render's profile showed this
  // parse of every values file, done before every helm call, among the larger items of our own.
  const syntax = checkReleaseValues(root, r, { schema: false });
  if (syntax.problems.length > 0) return new EnvironmentError(syntax.problems);
  if (!e.stderr.includes("values don't meet the specifications")) return undefined;
  const own = source.kind === 'tree' ? checkReleaseValues(root, r).problems : [];
  const located = own.length > 0 ? own : helmSchemaProblems(root, r, e.stderr);
  return located.length > 0 ? new EnvironmentError(located) : undefined;
}

/**
 * `helm template` of each release of an environment, several at once (bounded), with output
 * in the environment's release order whatever order helm finished in.
 */
export async function renderEnvironment(env: Environment, o: RenderOptions = {}): Promise<RenderResult> {
  const wanted = o.only ? env.releases.filter((r) => o.only?.includes(r.name)) : env.releases;
  const limit = o.limit ?? pLimit(Math.max(1, o.concurrency ?? 3));
  const cache = o.cache === false ? undefined : (o.cache ?? new RenderCache());
  const digests = o.digests ?? new Map<string, Promise<string>>();
  const helm = cache ? helmIdentity() : undefined;
  const keyOf = async (r: Release, source: ChartSource, input: TemplateInput): Promise<string> => {
    let chart: string;
    if (source.kind === 'tree') {
      if (!digests.has(source.dir)) digests.set(source.dir, chartDigest(source.dir));
      chart = `tree ${await digests.get(source.dir)}`;
    } else
      chart =
        source.kind === 'oci'
          ? `oci ${source.ref}@${source.version}`
          : `upstream ${source.repository} ${source.name}@${source.version}`;
    return cacheKey({
      chart,
      values: await Promise.all(r.values.map((f) => readFile(f))),
      helm: (await helm) as string,
      kubeVersion: input.kubeVersion ?? '',
      apiVersions: input.apiVersions ?? [],
      release: r.name,
      namespace: r.namespace,
    });
  };
  const root = dirname(dirname(env.dir));
  const skipped: SkippedRelease[] = [];
  // Charts are prepared once each, before the pool starts, so two releases of one chart never
  // race on its charts/ folder.
  const sources = new Map(
    wanted.map((r) => [
      r.name,
      chartSource(env, r, { ...(o.registryUrl ? { registryUrl: o.registryUrl } : {}), prefer: o.prefer ?? 'auto' }),
    ]),
  );
  await Promise.all(
    [...new Set([...sources.values()].flatMap((s) => (s.kind === 'tree' ? [s.dir] : [])))].map((d) => prepareChart(d)),
  );
  const jobs = wanted.flatMap((r) => {
    const source = sources.get(r.name) as ChartSource;
    if (source.kind === 'upstream' && o.upstream === 'skip') {
      skipped.push({
        release: r,
        reason: `upstream chart ${source.name} ${source.version} from ${source.repository} not rendered (--skip-upstream)`,
      });
      return [];
    }
    return [
      limit(async (): Promise<RenderedRelease | FailedRelease> => {
        try {
          const input = templateInput(env, r, source);
          const key = cache ? await keyOf(r, source, input) : undefined;
          // An entry is the parsed result as JSON: reading it skips helm and the YAML parse.
          const hit = cache && key ? await cache.get(key) : undefined;
          const cached = hit !== undefined;
          let docs: ManifestDoc[];
          let manifest: string;
          if (hit !== undefined) ({ docs, manifest } = JSON.parse(hit) as { docs: ManifestDoc[]; manifest: string });
          else {
            // A values file that is not clean YAML (tabs, a duplicate key) is bad input, exit 2,
            // at its line: helm would take a duplicate key silently. A fast parse first; the
            // positioned check (the `yaml` library, slower) only for a file that fails it.
            const texts = await Promise.all(r.values.map((f) => readFile(f, 'utf8')));
            if (!texts.every(isCleanYaml)) {
              const syntax = checkReleaseValues(root, r, { schema: false });
              if (syntax.problems.length > 0) throw new EnvironmentError(syntax.problems);
            }
            const parsed = parseManifestDocs(await templateText(input), `helm template ${r.name}`);
            manifest = manifestOf(r, parsed);
            // helm's text served the manifest; the cache and callers need the objects only.
            docs = parsed.map(({ text: _text, ...d }) => d);
            if (cache && key) await cache.put(key, JSON.stringify({ docs, manifest }));
          }
          const result = {
            release: r,
            source,
            cached,
            objects: docs.map((d) => d.object),
            docs,
            manifest,
          };
          o.onRelease?.(result);
          return result;
        } catch (caught) {
          let e = caught;
          if (e instanceof HelmError) e = valuesError(root, r, source, e) ?? e;
          if (o.onError !== 'collect') throw e;
          return { release: r, error: e as Error };
        }
      }),
    ];
  });
  const settled = await Promise.all(jobs);
  const rendered = settled.filter((x): x is RenderedRelease => 'manifest' in x);
  const failed = settled.filter((x): x is FailedRelease => 'error' in x);
  const order = waves(env.releases)
    .flat()
    .map((r) => r.name);
  rendered.sort((a, b) => order.indexOf(a.release.name) - order.indexOf(b.release.name));
  return { env, rendered, skipped, failed };
}

/**
 * Several environments in one go: one pool of helm processes across all of them (so the cores
 * stay busy to the end) and one render cache; results in the order given.
 */
export async function renderEnvironments(
  envs: readonly Environment[],
  options: (env: Environment) => Promise<RenderOptions> | RenderOptions,
  concurrency = 3,
): Promise<RenderResult[]> {
  const limit = pLimit(Math.max(1, concurrency));
  const digests = new Map<string, Promise<string>>();
  return Promise.all(envs.map(async (env) => renderEnvironment(env, { ...(await options(env)), limit, digests })));
}
