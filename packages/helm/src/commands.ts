import type { KubeObject } from '@kosmos/objects';
import { parseManifests } from './manifests.ts';
import { HelmError, type RunOptions, runHelm } from './run.ts';

export interface ChartInput {
  /** Chart folder, .tgz, or oci:// reference. */
  chart: string;
  release: string;
  namespace?: string;
  valuesFiles?: string[];
  /** `--set` pairs (values given on the command line by tests and tools). */
  set?: Record<string, string | number | boolean>;
  version?: string;
  /** Chart repository URL for an upstream chart (`--repo`). */
  repo?: string;
  /** Talk to an OCI registry over plain HTTP (the local one). */
  plainHttp?: boolean;
}

export interface TemplateInput extends ChartInput {
  /** Kubernetes version to render for (`--kube-version`). */
  kubeVersion?: string;
  /** Extra `--api-versions`, so charts gated on CRDs render their objects. */
  apiVersions?: string[];
  includeCrds?: boolean;
}

function chartArgs(i: ChartInput): string[] {
  const a: string[] = [];
  if (i.namespace) a.push('--namespace', i.namespace);
  for (const f of i.valuesFiles ?? []) a.push('--values', f);
  for (const [k, v] of Object.entries(i.set ?? {})) a.push('--set', `${k}=${v}`);
  if (i.version) a.push('--version', i.version);
  if (i.repo) a.push('--repo', i.repo);
  if (i.plainHttp) a.push('--plain-http');
  return a;
}

export function templateArgs(i: TemplateInput): string[] {
  const a = ['template', i.release, i.chart, ...chartArgs(i)];
  if (i.kubeVersion) a.push('--kube-version', i.kubeVersion);
  for (const v of i.apiVersions ?? []) a.push('--api-versions', v);
  if (i.includeCrds) a.push('--include-crds');
  return a;
}

/** `helm template`, raw text. */
export async function templateText(i: TemplateInput, opts?: RunOptions): Promise<string> {
  return (await runHelm(templateArgs(i), opts)).stdout;
}

/** `helm template`, parsed into objects. */
export async function template(i: TemplateInput, opts?: RunOptions): Promise<KubeObject[]> {
  return parseManifests(await templateText(i, opts), `helm template ${i.release}`);
}

export interface LintResult {
  ok: boolean;
  output: string;
}

/** `helm lint [--strict]`; never throws for lint findings, only for a helm that cannot run. */
export async function lint(
  i: Omit<ChartInput, 'release'> & { strict?: boolean },
  opts?: RunOptions,
): Promise<LintResult> {
  const args = ['lint', i.chart, ...chartArgs({ ...i, release: 'lint' })];
  if (i.strict ?? true) args.push('--strict');
  try {
    const r = await runHelm(args, opts);
    return { ok: true, output: r.stdout + r.stderr };
  } catch (e) {
    if (e instanceof HelmError) return { ok: false, output: `${e.stdout}${e.stderr}` };
    throw e;
  }
}
