/** Small helpers for the chart tests of platform, core-agents, ingress and rollouts. */
import { join, resolve } from 'node:path';
import { HelmError, prepareChart, type TemplateInput, template } from '@kosmos/helm';
import type { KubeObject } from '@kosmos/objects';

// biome-ignore lint/suspicious/noExplicitAny: rendered manifests are untyped JSON, read field by field
export type Json = Record<string, any>;

export const root = resolve(import.meta.dirname, '../..');
export const envs = ['dev', 'staging', 'production'] as const;
export type Env = (typeof envs)[number];

export const chartDir = (chart: string) => join(root, 'charts', chart);
export const envValues = (env: Env, chart: string) => join(root, 'environments', env, 'values', `${chart}.yaml`);

/** Vendors the kosmos-common library into a chart (shared with render and lint; locked, skipped when fresh). */
export const buildDeps = (chart: string): Promise<void> => prepareChart(chartDir(chart));

/** Renders a chart as its release (release name = chart name) in its namespace. */
export function renderer(chart: string, namespace: string) {
  return (opts: { env?: Env; set?: TemplateInput['set']; apiVersions?: string[]; valuesFiles?: string[] } = {}) =>
    template({
      chart: chartDir(chart),
      release: chart,
      namespace,
      valuesFiles: [...(opts.env ? [envValues(opts.env, chart)] : []), ...(opts.valuesFiles ?? [])],
      set: opts.set,
      apiVersions: opts.apiVersions,
    });
}

export function find(objs: KubeObject[], kind: string, name: string, namespace?: string): Json {
  const o = objs.find(
    (x) =>
      x.kind === kind && x.metadata.name === name && (namespace === undefined || x.metadata.namespace === namespace),
  );
  if (!o)
    throw new Error(`${kind}/${name} not rendered; have ${objs.map((x) => `${x.kind}/${x.metadata.name}`).join(', ')}`);
  return o as Json;
}

export const ofKind = (objs: KubeObject[], kind: string): Json[] => objs.filter((o) => o.kind === kind) as Json[];

/** The schema error helm prints for values that do not validate (fails the test if rendering succeeds). */
export async function schemaError(render: () => Promise<unknown>): Promise<string> {
  try {
    await render();
  } catch (e) {
    if (e instanceof HelmError) return e.stderr;
    throw e;
  }
  throw new Error('rendering succeeded, a schema error was expected');
}

/** CPU quantity in millicores ("500m", "1", "2.5"). */
export function millicores(q: string | number): number {
  const s = String(q);
  return s.endsWith('m') ? Number(s.slice(0, -1)) : Math.round(Number(s) * 1000);
}

/** Memory quantity in MiB ("512Mi", "2Gi"). */
export function mebibytes(q: string | number): number {
  const m = /^(\d+(?:\.\d+)?)(Mi|Gi)$/.exec(String(q));
  if (!m) throw new Error(`unexpected memory quantity ${q}`);
  return Number(m[1]) * (m[2] === 'Gi' ? 1024 : 1);
}
