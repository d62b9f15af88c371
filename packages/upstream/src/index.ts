import { execFile } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
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
    // The whole set: the observability chart creates Prometheus and Alertmanager resources too.
    files: ['example/prometheus-operator-crd/'],
  },
];

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
