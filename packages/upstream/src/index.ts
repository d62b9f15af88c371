import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { UserError } from '@kosmos/errors';

const run = promisify(execFile);

/**
 * Upstream CRDs the charts create objects of, at the versions the environments pin for the
 * controllers. They are read from the upstream Go modules in the module cache (downloaded once
 * through the Go module proxy), never copied into this repository.
 */
export interface CrdSource {
  module: string;
  version: string;
  /** Files inside the module, relative to its root; a trailing `/` lists a folder's *.yaml. */
  files: string[];
}

export const CRD_SOURCES: readonly CrdSource[] = [
  { module: 'github.com/argoproj/argo-rollouts', version: 'v1.8.3', files: ['manifests/crds/'] },
  {
    module: 'github.com/traefik/traefik/v3',
    version: 'v3.5.0',
    files: ['docs/content/reference/dynamic-configuration/kubernetes-crd-definition-v1.yml'],
  },
  {
    module: 'github.com/prometheus-operator/prometheus-operator',
    version: 'v0.85.0',
    // The whole set: the operator refuses to start without Prometheus, Alertmanager, ThanosRuler,
    // ScrapeConfig, ... and the observability chart may create any of them.
    files: ['example/prometheus-operator-crd/'],
  },
];

/**
 * Argo CD's Application, ApplicationSet and AppProject, at the version the toolchain builds: lint
 * validates `pnpm render --for argocd` against them, and the fleet tests apply them to the
 * cluster Argo CD runs in. Not among CRD_SOURCES: every local cluster would carry 1.4 MB of CRDs
 * that only the fleet's control plane needs.
 */
export const ARGOCD_CRD_SOURCE: CrdSource = {
  module: 'github.com/argoproj/argo-cd/v3',
  version: 'v3.2.11',
  files: ['application-crd.yaml', 'applicationset-crd.yaml', 'appproject-crd.yaml'].map((f) => `manifests/crds/${f}`),
};

/** What lint validates custom resources against: the controllers' CRDs and Argo CD's. */
export const LINT_CRD_SOURCES: readonly CrdSource[] = [...CRD_SOURCES, ARGOCD_CRD_SOURCE];

export class CrdSourceError extends UserError {
  override name = 'CrdSourceError';
}

/** The module's folder in the Go module cache, downloading it through the proxy on first use. */
export async function moduleDir(mod: string, version: string): Promise<string> {
  try {
    const { stdout } = await run('go', ['mod', 'download', '-json', `${mod}@${version}`], {
      maxBuffer: 16 * 1024 * 1024,
      env: { ...process.env, GOFLAGS: '-mod=mod' },
      cwd: process.env.HOME ?? '/',
    });
    const info = JSON.parse(stdout) as { Dir?: string; Error?: string };
    if (!info.Dir) throw new Error(info.Error ?? 'no Dir in go mod download output');
    return info.Dir;
  } catch (e) {
    throw new CrdSourceError(
      `cannot fetch CRDs from ${mod}@${version} through the Go module proxy: ${(e as Error).message.split('\n')[0]}`,
    );
  }
}

/** Absolute paths of every CRD file, fetching the modules on first use. */
export async function crdFiles(sources: readonly CrdSource[] = CRD_SOURCES): Promise<string[]> {
  const lists = await Promise.all(
    sources.map(async (s) => {
      const dir = await moduleDir(s.module, s.version);
      const out: string[] = [];
      for (const f of s.files) {
        if (f.endsWith('/')) {
          const names = (await readdir(join(dir, f))).filter((n) => /\.ya?ml$/.test(n)).sort();
          for (const n of names) {
            // Folders also hold kustomizations and the like: keep only CRD documents.
            if (/^kind:\s*CustomResourceDefinition\s*$/m.test(await readFile(join(dir, f, n), 'utf8')))
              out.push(join(dir, f, n));
          }
        } else out.push(join(dir, f));
      }
      return out;
    }),
  );
  return lists.flat();
}

/**
 * Our JSON schema for the values we give an upstream chart at a pinned version, or undefined
 * when none is written yet. Upstream charts are not fetched at lint time (their repositories
 * are not package registries), so each schema is written here from the chart's own values and
 * names every key we set; bumping a pin means writing the schema for the new version.
 */
export function upstreamValuesSchema(chart: string, version: string): string | undefined {
  const file = fileURLToPath(new URL(`../values-schemas/${chart}-${version}.schema.json`, import.meta.url));
  return existsSync(file) ? file : undefined;
}

/** Where a missing schema for `chart@version` belongs, for the message that asks for it. */
export function upstreamValuesSchemaPath(chart: string, version: string): string {
  return `packages/upstream/values-schemas/${chart}-${version}.schema.json`;
}
