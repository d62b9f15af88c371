import { dirname } from 'node:path';
import type { Environment, Release } from '@kosmos/environment';
import { checkReleaseValues, EnvironmentError, helmSchemaProblems, waves } from '@kosmos/environment';
import {
  HelmError,
  type ManifestDoc,
  parseManifestDocs,
  prepareChart,
  type TemplateInput,
  templateText,
} from '@kosmos/helm';
import { compareObjects, type KubeObject } from '@kosmos/objects';
import pLimit from 'p-limit';
import { stringify } from 'yaml';
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

/** The manifest text of a release: sorted objects, each after its Source line. */
export function manifestOf(release: Release, docs: readonly ManifestDoc[]): string {
  const sorted = [...docs].sort((a, b) => compareObjects(a.object, b.object));
  const body = sorted
    .map((d) => `---\n${d.source ? `# Source: ${d.source}\n` : ''}${stringify(d.object, { lineWidth: 0 })}`)
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
 * `helm template` of each release of an environment, several at once (bounded), with output
 * in the environment's release order whatever order helm finished in.
 */
export async function renderEnvironment(env: Environment, o: RenderOptions = {}): Promise<RenderResult> {
  const wanted = o.only ? env.releases.filter((r) => o.only?.includes(r.name)) : env.releases;
  const limit = pLimit(Math.max(1, o.concurrency ?? 3));
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
          // Every mistake in the values files, each at its file:line:col, before helm (which
          // names only the first chart and none of the lines).
          const own = checkReleaseValues(root, r, { schema: source.kind === 'tree' });
          if (own.problems.length > 0) throw new EnvironmentError(own.problems);
          const docs = parseManifestDocs(await templateText(templateInput(env, r, source)), `helm template ${r.name}`);
          const result = {
            release: r,
            source,
            objects: docs.map((d) => d.object),
            docs,
            manifest: manifestOf(r, docs),
          };
          o.onRelease?.(result);
          return result;
        } catch (caught) {
          let e = caught;
          if (e instanceof HelmError) {
            const located = helmSchemaProblems(root, r, e.stderr);
            if (located.length > 0) e = new EnvironmentError(located);
          }
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
