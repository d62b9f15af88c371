import { existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import { type Environment, type Release, resolveTargets } from '@kosmos/environment';
import { byCodeUnit, refOf } from '@kosmos/objects';
import { argoApplicationSet, type RenderedRelease, renderEnvironment } from '@kosmos/render';
import { CHART_PACKAGE, checkChartPackages } from './chart-packages.ts';
import { HELM_LINT, helmLintEnvironments } from './helm-lint.ts';
import { CLUSTER_SCOPED } from './k8s.ts';
import { runPolicy } from './policy.ts';
import { removedIn } from './rules/deprecated-api.ts';
import { RULES } from './rules/index.ts';
import { type SchemaSet, schemasFor } from './schemas.ts';
import type { Finding, KubeObject, Placed, RuleInfo, Severity } from './types.ts';
import { checkValues, VALUES_SCHEMA } from './values.ts';

export const SCHEMA_RULES: readonly RuleInfo[] = [
  {
    id: 'k8s-schema',
    severity: 'error',
    description:
      "Rendered objects conform to the OpenAPI schema of the environment's Kubernetes version (unknown fields rejected).",
  },
  {
    id: 'crd-schema',
    severity: 'error',
    description: 'Custom resources conform to the openAPIV3Schema of the pinned CRDs (unknown fields rejected).',
  },
];

/** A release helm cannot render at all: nothing else can be checked for it. */
export const HELM_TEMPLATE: RuleInfo = {
  id: 'helm-template',
  severity: 'error',
  description: "The chart renders (`helm template`) with the environment's values.",
};

/** An environment handed to Argo CD whose ApplicationSet cannot be made (a `tree` pin, no registry). */
export const ARGOCD_RENDER: RuleInfo = {
  id: 'argocd-render',
  severity: 'error',
  description:
    "An environment with `argocd:` renders to an ApplicationSet (`pnpm render --for argocd`), checked against Argo CD's CRDs.",
};

/** Every rule of every layer, for SARIF and --help. */
export const ALL_RULES: readonly RuleInfo[] = [
  HELM_LINT,
  HELM_TEMPLATE,
  ARGOCD_RENDER,
  VALUES_SCHEMA,
  ...SCHEMA_RULES,
  ...RULES.map((r) => ({ id: r.id, severity: r.severity, description: r.description, scope: r.scope })),
  CHART_PACKAGE,
];

/** The policy rules (layer 4): those with a scope, whatever layers come before them. */
export const POLICY_RULES: readonly RuleInfo[] = ALL_RULES.filter((r) => r.scope !== undefined);

export interface LintOptions {
  /** Do not render upstream charts (their repositories may be out of reach). */
  skipUpstream?: boolean;
  /** Skip layer 1 (helm lint), e.g. to time the other layers. */
  skipHelmLint?: boolean;
  concurrency?: number;
  /**
   * Registry for pins not in the tree, for every environment (default: each environment's own,
   * from `resolveTargets`).
   */
  registryUrl?: string;
  /** State folder of `pnpm run up`, for environments on the local registry (default: the usual one). */
  stateDir?: string;
  progress?: (line: string) => void;
}

export interface LintReport {
  envs: string[];
  findings: Finding[];
  /** Rendered objects checked by layers 3 and 4. */
  objects: number;
  /** Time spent in layers 3 and 4 (schemas compiled beforehand), for objects/s. */
  checkSeconds: number;
  /** Time spent preparing schemas (loading and compiling validators). */
  schemaSeconds: number;
  /** Releases not rendered, with why. */
  skipped: { env: string; release: string; reason: string }[];
}

export interface RenderedObject extends Placed {
  object: KubeObject;
  /** Template path from helm's `# Source:` line, like `core-agents/templates/deployment.yaml`. */
  source?: string;
  release: string;
}

/**
 * Where a finding on a rendered object points: the chart template that produced it
 * (`charts/<chart>/templates/…` from `# Source:`), which is what a fix edits; for an upstream
 * chart, or without a Source line, the release's entry in environment.yaml.
 */
export function locationOf(
  root: string,
  env: Environment,
  r: Release | undefined,
  source?: string,
): Pick<Finding, 'file' | 'line'> {
  if (r && source && r.chart.kind === 'repo') {
    const parts = source.split('/');
    // `<chart>/charts/<dep>/templates/x.yaml` is a vendored dependency: point at its own folder if it is ours.
    const sub = parts[1] === 'charts' && parts[2] ? join(root, 'charts', parts.slice(2).join('/')) : undefined;
    if (sub && existsSync(sub)) return { file: relative(root, sub) };
    return { file: relative(root, join(r.chart.dir, parts.slice(1).join('/'))) };
  }
  return { file: relative(root, env.file), ...(r ? { line: r.at.line } : {}) };
}

function placed(schemas: SchemaSet, rendered: RenderedRelease): RenderedObject[] {
  return rendered.docs.map((d) => {
    const o = d.object;
    const k = schemas.kind(String(o.apiVersion), String(o.kind));
    const namespaced = k ? k.namespaced : !CLUSTER_SCOPED.has(o.kind);
    const namespace = namespaced ? (o.metadata?.namespace ?? rendered.release.namespace) : undefined;
    return {
      object: o,
      ...(namespace ? { namespace } : {}),
      ...(d.source ? { source: d.source } : {}),
      release: rendered.release.name,
    };
  });
}

/** Layers 3 and 4 over the rendered objects of one environment. */
export function checkObjects(
  root: string,
  env: Environment,
  schemas: SchemaSet,
  objects: readonly RenderedObject[],
): Finding[] {
  const out: Finding[] = [];
  const releases = new Map(env.releases.map((r) => [r.name, r]));
  const base = (p: Placed & { source?: string }, ruleId: string, severity: Severity, message: string): Finding => {
    const r = p.release ? releases.get(p.release) : undefined;
    return {
      ruleId,
      severity,
      ...locationOf(root, env, r, p.source),
      object: refOf(p.object, p.namespace),
      ...(p.release ? { release: p.release } : {}),
      env: env.name,
      message,
    };
  };
  for (const p of objects) {
    const removed = removedIn(String(p.object.apiVersion), String(p.object.kind), env.kubernetesVersion);
    for (const s of schemas.validate(p.object, Boolean(removed))) {
      out.push(base(p, s.ruleId, s.severity, s.path ? `${s.path}: ${s.message}` : s.message));
    }
  }
  const ctx = { env: env.name, kubernetesVersion: env.kubernetesVersion };
  for (const h of runPolicy(objects, ctx)) {
    if (h.at) out.push(base(h.at, h.rule.id, h.severity, h.message));
    else
      out.push({
        ruleId: h.rule.id,
        severity: h.severity,
        file: relative(root, env.file),
        env: env.name,
        message: h.message,
      });
  }
  return out;
}

/**
 * The ApplicationSet of an environment handed to Argo CD, placed like a rendered object so that
 * the schema layer (Argo CD's CRDs) and the policy rules check it with the charts' objects.
 */
function argoObjects(
  root: string,
  env: Environment,
  registryUrl: string | undefined,
  findings: Finding[],
): RenderedObject[] {
  if (!env.argocd) return [];
  try {
    const set = argoApplicationSet(env, registryUrl ? { registryUrl } : {});
    return [{ object: set, namespace: env.argocd.namespace, release: '' }];
  } catch (e) {
    findings.push({
      ruleId: ARGOCD_RENDER.id,
      severity: 'error',
      env: env.name,
      ...locationOf(root, env, undefined),
      message: (e as Error).message.split('\n')[0] ?? 'the ApplicationSet could not be made',
    });
    return [];
  }
}

const ORDER: Record<Severity, number> = { error: 0, warning: 1, note: 2 };

export function sortFindings(fs: Finding[]): Finding[] {
  return fs.sort(
    (a, b) =>
      byCodeUnit(a.env ?? '', b.env ?? '') ||
      byCodeUnit(a.release ?? '', b.release ?? '') ||
      ORDER[a.severity] - ORDER[b.severity] ||
      byCodeUnit(a.file, b.file) ||
      (a.line ?? 0) - (b.line ?? 0) ||
      byCodeUnit(a.ruleId, b.ruleId) ||
      byCodeUnit(a.message, b.message),
  );
}

/** All four layers over the given environments. */
export async function lintEnvironments(
  root: string,
  envs: readonly Environment[],
  o: LintOptions = {},
): Promise<LintReport> {
  const log = o.progress ?? (() => {});
  const findings: Finding[] = [];
  const skipped: LintReport['skipped'] = [];
  let objects = 0;
  let checkSeconds = 0;
  let schemaSeconds = 0;

  // Layer 2 first: cheap, and a broken values file explains a failing render.
  for (const env of envs) findings.push(...checkValues(root, env));
  findings.push(...checkChartPackages(root));

  const total = envs.reduce((n, e) => n + e.releases.filter((r) => r.chart.kind === 'repo').length, 0);
  let linted = 0;
  const layer1 = o.skipHelmLint
    ? Promise.resolve<Finding[]>([])
    : helmLintEnvironments(root, envs, {
        concurrency: o.concurrency ?? 2,
        onDone: (env, release) => log(`helm lint ${++linted}/${total}: ${env}/${release}`),
      });
  // Awaited after the other layers; until then a failure must not surface as an unhandled rejection.
  layer1.catch(() => {});

  for (const env of envs) {
    const t0 = performance.now();
    const schemasP = schemasFor(env.kubernetesVersion);
    log(`render ${env.name}: ${env.releases.length} releases`);
    const registryUrl =
      o.registryUrl ?? (await resolveTargets(env, o.stateDir ? { stateDir: o.stateDir } : {})).registry;
    const result = await renderEnvironment(env, {
      upstream: o.skipUpstream ? 'skip' : 'render',
      concurrency: o.concurrency ?? 2,
      onError: 'collect',
      ...(registryUrl ? { registryUrl } : {}),
    });
    for (const s of result.skipped) skipped.push({ env: env.name, release: s.release.name, reason: s.reason });
    // A release that does not render is one finding; the others are still checked.
    for (const f of result.failed) {
      findings.push({
        ruleId: HELM_TEMPLATE.id,
        severity: 'error',
        env: env.name,
        release: f.release.name,
        ...locationOf(root, env, f.release),
        message: f.error.message.split('\n')[0] ?? 'helm template failed',
      });
    }
    const schemas = await schemasP;
    const objs = result.rendered.flatMap((r) => placed(schemas, r));
    objs.push(...argoObjects(root, env, registryUrl, findings));
    const t1 = performance.now();
    schemas.warm(objs.map((p) => p.object));
    const t2 = performance.now();
    schemaSeconds += (t2 - t1) / 1000;
    findings.push(...checkObjects(root, env, schemas, objs));
    const t3 = performance.now();
    checkSeconds += (t3 - t2) / 1000;
    objects += objs.length;
    log(`checked ${env.name}: ${objs.length} objects in ${((t3 - t0) / 1000).toFixed(1)}s`);
  }
  findings.push(...(await layer1));
  return {
    envs: envs.map((e) => e.name),
    findings: sortFindings(findings),
    objects,
    checkSeconds,
    schemaSeconds,
    skipped,
  };
}
