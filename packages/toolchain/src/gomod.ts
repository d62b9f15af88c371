/**
 * Reads a go.mod's replace directives that point at local folders. Those are the modules a
 * generated build module must replace with their published versions.
 */
export function localReplaces(goMod: string): string[] {
  const found = new Set<string>();
  const single = /^\s*replace\s+(\S+)(?:\s+\S+)?\s+=>\s+(\.{1,2}\/\S*)\s*$/;
  const inBlock = /^\s*(\S+)(?:\s+v\S+)?\s+=>\s+(\.{1,2}\/\S*)\s*$/;
  let block = false;
  for (const line of goMod.split('\n')) {
    const text = line.replace(/\/\/.*$/, '');
    if (/^\s*replace\s*\(\s*$/.test(text)) {
      block = true;
      continue;
    }
    if (block && /^\s*\)\s*$/.test(text)) {
      block = false;
      continue;
    }
    const m = (block ? inBlock : single).exec(text);
    if (m?.[1]) found.add(m[1]);
  }
  return [...found].sort();
}

/**
 * Whether `modulePath` can be required at `version` under Go's import-compatibility rule: a
 * v2+ version needs the `/vN` suffix (etcd's root module `go.etcd.io/etcd` cannot be v3.6.10,
 * while `go.etcd.io/etcd/api/v3` can).
 */
export function compatibleWith(modulePath: string, version: string): boolean {
  const major = Number(/^v(\d+)\./.exec(version)?.[1] ?? Number.NaN);
  const suffix = /\/v(\d+)$/.exec(modulePath)?.[1];
  return suffix === undefined ? major <= 1 : Number(suffix) === major;
}

/** A replace directive of a go.mod that points at another published module version. */
export interface PublishedReplace {
  /** `path` or `path@version` (a replace may be limited to one version of the module). */
  old: string;
  /** `path@version`. */
  new: string;
}

/**
 * Reads a go.mod's replace directives that point at published modules (forks, downgrades). A
 * generated build module must carry them too, or `go get` selects versions upstream never built
 * with (Prometheus pins fsnotify back to v1.7.0 this way).
 */
export function publishedReplaces(goMod: string): PublishedReplace[] {
  const found: PublishedReplace[] = [];
  const single = /^\s*replace\s+(\S+)(?:\s+(v\S+))?\s+=>\s+([^.\s]\S*)\s+(v\S+)\s*$/;
  const inBlock = /^\s*(\S+)(?:\s+(v\S+))?\s+=>\s+([^.\s]\S*)\s+(v\S+)\s*$/;
  let block = false;
  for (const line of goMod.split('\n')) {
    const text = line.replace(/\/\/.*$/, '');
    if (/^\s*replace\s*\(\s*$/.test(text)) {
      block = true;
      continue;
    }
    if (block && /^\s*\)\s*$/.test(text)) {
      block = false;
      continue;
    }
    const m = (block ? inBlock : single).exec(text);
    if (m?.[1] && m[3] && m[4]) found.push({ old: m[2] ? `${m[1]}@${m[2]}` : m[1], new: `${m[3]}@${m[4]}` });
  }
  return found;
}
