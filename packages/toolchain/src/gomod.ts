/**
 * Reads a go.mod's replace directives that point at local folders. Those are the modules a
 * generated build module must replace with their published versions.
 */
export function localReplaces(goMod: string): string[] {
  const found = new Set<string>();
  for (const d of replaceDirectives(goMod)) {
    const m = /^(\S+)(?:\s+v\S+)?\s+=>\s+(\.{1,2}\/\S*)$/.exec(d);
    if (m?.[1]) found.add(m[1]);
  }
  return [...found].sort();
}

/**
 * Every replace directive of a go.mod as `old [version] => new [version]`, whether written on its
 * own line (`replace a => b v1`) or inside a `replace ( ... )` block; comments dropped.
 */
function replaceDirectives(goMod: string): string[] {
  const out: string[] = [];
  let block = false;
  for (const line of goMod.split('\n')) {
    const text = line.replace(/\/\/.*$/, '').trim();
    if (/^replace\s*\($/.test(text)) block = true;
    else if (block && text === ')') block = false;
    else if (block && text) out.push(text);
    else if (/^replace\s/.test(text)) out.push(text.replace(/^replace\s+/, ''));
  }
  return out;
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

/** A replace directive that points at a published module (not a local folder). */
export interface PublishedReplace {
  from: string;
  /** Set when the directive replaces one version only (`k8s.io/api v0.0.0 => …`). */
  fromVersion?: string;
  to: string;
  toVersion: string;
}

/**
 * Reads a go.mod's replace directives that point at published modules (forks, pinned versions).
 * They steer upstream's own build; a generated module requiring upstream must repeat them, since
 * Go honours replace directives of the main module only.
 */
export function publishedReplaces(goMod: string): PublishedReplace[] {
  const out: PublishedReplace[] = [];
  for (const d of replaceDirectives(goMod)) {
    const m = /^(\S+)(?:\s+(v\S+))?\s+=>\s+([^.\s]\S*)\s+(v\S+)$/.exec(d);
    if (m?.[1] && m[3] && m[4]) {
      out.push({ from: m[1], ...(m[2] ? { fromVersion: m[2] } : {}), to: m[3], toVersion: m[4] });
    }
  }
  return out;
}

/** The `go mod edit -replace=` argument for one published replace. */
export function replaceArg(r: PublishedReplace): string {
  return `-replace=${r.from}${r.fromVersion ? `@${r.fromVersion}` : ''}=${r.to}@${r.toVersion}`;
}
