import { createHash } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { writeAtomic } from '@kosmos/cli';
import { CHART_EPOCH } from '@kosmos/helm';
import { ensure } from '@kosmos/toolchain';
import type { TreeChart } from './charts.ts';

/**
 * Archive digests remembered by content: key = sha256 of every file of the chart folder and of
 * the tree charts it vendors (the vendored copies in `charts/` are replaced by their sources),
 * the helm binary and CHART_EPOCH. With the key unchanged, `helm package` would write the same
 * bytes (that is what CHART_EPOCH buys), so a no-op release can compare the registry's digest
 * without running helm seven times. Only ever used to skip: a push always packages for real.
 */
export class DigestCache {
  private constructor(
    private readonly file: string,
    private readonly entries: Record<string, string>,
    private readonly salt: string,
  ) {}

  static async open(root: string): Promise<DigestCache> {
    const file = join(root, '.kosmos', 'cache', 'release-digests.json');
    let entries: Record<string, string> = {};
    try {
      const raw = JSON.parse(await readFile(file, 'utf8')) as unknown;
      if (raw && typeof raw === 'object' && !Array.isArray(raw)) entries = raw as Record<string, string>;
    } catch {
      // no cache yet, or a broken one: start empty
    }
    const helm = await ensure('helm');
    const s = await stat(helm);
    return new DigestCache(file, entries, `${helm}\0${s.size}\0${s.mtimeMs}\0${CHART_EPOCH}`);
  }

  async key(chart: TreeChart, all: readonly TreeChart[]): Promise<string> {
    const h = createHash('sha256').update(this.salt);
    const seen = new Set<string>();
    const add = async (c: TreeChart) => {
      if (seen.has(c.dir)) return;
      seen.add(c.dir);
      const vendored = new Set(c.localDependencies.map((d) => `${d.name}-${d.version}.tgz`));
      await hashTree(h, c.dir, c.dir, (rel) => rel.startsWith('charts/') && vendored.has(rel.slice('charts/'.length)));
      for (const d of c.localDependencies) {
        const dep = all.find((x) => x.name === d.name);
        if (dep) await add(dep);
      }
    };
    await add(chart);
    return h.digest('hex');
  }

  get(key: string): string | undefined {
    return this.entries[key];
  }

  set(key: string, digest: string): void {
    this.entries[key] = digest;
  }

  /** Writes the entries of `keep` (the charts as they are now); older ones would only grow the file. */
  async save(keep: readonly string[]): Promise<void> {
    const kept = Object.fromEntries(keep.flatMap((k) => (this.entries[k] ? [[k, this.entries[k]]] : [])));
    await writeAtomic(this.file, `${JSON.stringify(kept, null, 1)}\n`);
  }
}

async function hashTree(
  h: ReturnType<typeof createHash>,
  base: string,
  dir: string,
  skip: (rel: string) => boolean,
): Promise<void> {
  const entries = (await readdir(dir, { withFileTypes: true })).sort((a, b) =>
    a.name < b.name ? -1 : a.name > b.name ? 1 : 0,
  );
  for (const e of entries) {
    const p = join(dir, e.name);
    const rel = resolve(p).slice(resolve(base).length + 1);
    // node_modules/ (pnpm links the workspace dependency there) is in every chart's .helmignore.
    if (e.name === 'node_modules' || skip(rel)) continue;
    // helm follows symbolic links: so does the key.
    const isDir = e.isDirectory() || (e.isSymbolicLink() && (await stat(p)).isDirectory());
    if (isDir) await hashTree(h, base, p, skip);
    else {
      const body = await readFile(p);
      h.update(`${rel}\0${body.length}\0`).update(body);
    }
  }
}
