import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';

/**
 * A content-addressed store of `helm template` output (parsed: objects and their templates). The key is everything helm's output
 * depends on: the chart's files (and those of its file:// dependencies), the values files' bytes,
 * the helm binary, the Kubernetes version, the API versions, release name and namespace. Same
 * key, same bytes: a hit skips helm. Nothing here is ever invalidated: a change makes a new key.
 */

/** Bump when what is stored, or how the key is made, changes. */
const FORMAT = 'kosmos-render-cache/4';

/** `KOSMOS_RENDER_CACHE`, else `$XDG_CACHE_HOME/kosmos-platform/render` (~/.cache by default). */
export function defaultCacheDir(): string {
  if (process.env.KOSMOS_RENDER_CACHE) return resolve(process.env.KOSMOS_RENDER_CACHE);
  return join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'kosmos-platform', 'render');
}

async function filesUnder(dir: string, skip: (rel: string) => boolean, rel = ''): Promise<string[]> {
  const out: string[] = [];
  for (const e of (await readdir(join(dir, rel), { withFileTypes: true })).sort((a, b) =>
    a.name < b.name ? -1 : a.name > b.name ? 1 : 0,
  )) {
    const r = rel ? `${rel}/${e.name}` : e.name;
    if (skip(r)) continue;
    if (e.isDirectory()) out.push(...(await filesUnder(dir, skip, r)));
    else if (e.isFile()) out.push(r);
  }
  return out;
}

/**
 * Digest of a chart folder: every file's path and bytes, except the packaged dependencies under
 * charts/ (their archives carry timestamps); file:// dependencies are hashed from their source
 * folders instead, and remote ones are fixed by Chart.lock, which is hashed with the rest.
 */
export async function chartDigest(dir: string, seen = new Set<string>()): Promise<string> {
  const h = createHash('sha256');
  seen.add(resolve(dir));
  for (const f of await filesUnder(dir, (r) => r === 'charts' || r === 'node_modules')) {
    h.update(`${f}\0`);
    h.update(await readFile(join(dir, f)));
    h.update('\0');
  }
  const chart = parse(await readFile(join(dir, 'Chart.yaml'), 'utf8')) as {
    dependencies?: { name: string; repository?: string }[];
  } | null;
  for (const d of chart?.dependencies ?? []) {
    if (!d.repository?.startsWith('file://')) continue;
    const dep = resolve(dir, d.repository.slice('file://'.length));
    if (seen.has(dep)) continue;
    h.update(`dep ${d.name}\0${await chartDigest(dep, seen)}\0`);
  }
  return h.digest('hex');
}

export interface CacheKeyParts {
  /** chartDigest() of a tree chart, or the immutable reference of a published one. */
  chart: string;
  /** Bytes of each values file, in order. */
  values: (string | Buffer)[];
  helm: string;
  kubeVersion: string;
  apiVersions: string[];
  release: string;
  namespace: string;
}

export function cacheKey(p: CacheKeyParts): string {
  const h = createHash('sha256');
  h.update(`${FORMAT}\0chart ${p.chart}\0helm ${p.helm}\0kube ${p.kubeVersion}\0`);
  h.update(`apis ${[...p.apiVersions].sort().join(',')}\0release ${p.release}\0namespace ${p.namespace}\0`);
  for (const v of p.values) {
    h.update(`values ${v.length}\0`);
    h.update(v);
  }
  return h.digest('hex');
}

export class RenderCache {
  hits = 0;
  misses = 0;
  constructor(readonly dir: string = defaultCacheDir()) {}

  private file(key: string): string {
    return join(this.dir, key.slice(0, 2), `${key}.json`);
  }

  async get(key: string): Promise<string | undefined> {
    try {
      const text = await readFile(this.file(key), 'utf8');
      this.hits++;
      return text;
    } catch {
      this.misses++;
      return undefined;
    }
  }

  /** Written to a temporary name and renamed: a reader never sees half an entry. */
  async put(key: string, text: string): Promise<void> {
    const file = this.file(key);
    try {
      await mkdir(join(this.dir, key.slice(0, 2)), { recursive: true });
      const tmp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
      await writeFile(tmp, text);
      await rename(tmp, file);
    } catch {
      // A cache that cannot be written (read-only home, full disk) only costs the next run time.
    }
  }
}
