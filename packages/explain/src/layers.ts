import { HIDDEN, isSecretKey } from '@kosmos/diff/secrets';
import { EnvironmentError, locate, parseSource, type SourceFile } from '@kosmos/environment';
import { EXIT, UserError } from '@kosmos/errors';

export type Path = (string | number)[];

/** One values file as helm reads it, in the order helm applies them (chart defaults first). */
export interface ValuesLayer {
  /** As shown to people (relative to the repository root). */
  file: string;
  text: string;
  kind: 'chart' | 'environment';
  /**
   * The file is rewritten in place by `pnpm promote` (an environment that promotes in): its
   * image pins are what the last promotion wrote.
   */
  promotedInto?: boolean;
}

/** What one layer does to a key. */
export interface Setting {
  file: string;
  line: number;
  col: number;
  kind: ValuesLayer['kind'];
  /**
   * `sets` the key itself; `replaces` it by setting an ancestor to a list or scalar (helm merges
   * maps only); `deletes` it with null at the key or an ancestor.
   */
  how: 'sets' | 'replaces' | 'deletes';
  /** The key this layer writes: the key itself, or the ancestor that replaces or deletes it. */
  at: string;
  /** The value written there (secret-looking values masked). */
  value: unknown;
  /** An image pin field written by `pnpm promote` into this environment file. */
  promoted?: boolean;
  /** The commit that last wrote this line (`--blame`); absent outside git or for uncommitted lines. */
  commit?: Commit;
}

export interface Commit {
  sha: string;
  /** ISO date of the commit (author time). */
  date: string;
  author: string;
  summary: string;
}

export interface ExplainedValue {
  key: string;
  /** Every layer that sets, replaces or deletes the key, in the order helm applies them. */
  layers: Setting[];
  /** The last of `layers`: what decides the final value. */
  winner?: Setting;
  final: { set: true; value: unknown } | { set: false };
  secret: boolean;
}

export interface Explanation {
  /** The key asked for (all values when absent). */
  key?: string;
  values: ExplainedValue[];
}

const isMapValue = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * helm's merge of values: maps merge key by key, a later list or scalar replaces whatever was
 * there, and a null deletes the key (the nulls are dropped once every layer is in).
 */
export function mergeValues(layers: readonly unknown[]): Record<string, unknown> {
  const merge = (a: unknown, b: unknown): unknown => {
    if (!isMapValue(a) || !isMapValue(b)) return b;
    const out: Record<string, unknown> = { ...a };
    for (const [k, v] of Object.entries(b)) out[k] = k in a ? merge(a[k], v) : v;
    return out;
  };
  const dropNulls = (v: unknown): unknown => {
    if (!isMapValue(v)) return v;
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) if (x !== null) out[k] = dropNulls(x);
    return out;
  };
  return dropNulls(layers.reduce<unknown>((acc, l) => merge(acc, l ?? {}), {})) as Record<string, unknown>;
}

/**
 * `agents.zeus.replicas`, `a.b[0].c`, `commonLabels["app.kubernetes.io/part-of"]` -> segments.
 * A key that does not parse is bad usage (exit 2).
 */
export function parseKey(key: string): Path {
  const out: Path = [];
  const bad = (why: string) =>
    new UserError(
      `key "${key}": ${why} (expected a dotted path like agents.zeus.replicaCount or a.b[0].c)`,
      EXIT.usage,
    );
  let i = 0;
  let expectName = true;
  while (i < key.length) {
    const c = key[i];
    if (c === '[') {
      const end = key.indexOf(']', i);
      if (end < 0) throw bad(`unclosed "[" at character ${i + 1}`);
      const inner = key.slice(i + 1, end);
      const quoted = /^"(.*)"$/.exec(inner) ?? /^'(.*)'$/.exec(inner);
      if (quoted) out.push(quoted[1] as string);
      else if (/^\d+$/.test(inner)) out.push(Number(inner));
      else throw bad(`"[${inner}]" is neither a list index nor a quoted key`);
      i = end + 1;
      expectName = false;
    } else if (c === '.') {
      if (expectName) throw bad(`empty segment at character ${i + 1}`);
      i++;
      expectName = true;
    } else {
      if (!expectName) throw bad(`"." or "[" expected at character ${i + 1}`);
      const m = /^[^.[\]]+/.exec(key.slice(i));
      const name = m?.[0] as string;
      out.push(name);
      i += name.length;
      expectName = false;
    }
  }
  if (out.length === 0 || expectName) throw bad('empty segment at the end');
  return out;
}

/** Segments -> the key as a person writes it; a name with a dot or bracket is quoted. */
export function formatKey(path: readonly (string | number)[]): string {
  return path.reduce<string>((acc, s) => {
    if (typeof s === 'number') return `${acc}[${s}]`;
    if (/[.[\]]/.test(s) || s === '') return `${acc}["${s}"]`;
    return acc ? `${acc}.${s}` : s;
  }, '');
}

/** The value at `path`, or undefined when the data has nothing there. */
export function valueAt(data: unknown, path: readonly (string | number)[]): unknown {
  let node = data;
  for (const seg of path) {
    if (typeof seg === 'number' ? Array.isArray(node) : isMapValue(node)) {
      node = (node as Record<string | number, unknown>)[seg];
      if (node === undefined) return undefined;
    } else return undefined;
  }
  return node;
}

/** Every path under `node` that ends at something other than a non-empty map (lists are one value). */
function leaves(node: unknown, prefix: Path, out: Path[]): void {
  if (isMapValue(node) && Object.keys(node).length > 0) {
    for (const [k, v] of Object.entries(node)) leaves(v, [...prefix, k], out);
  } else out.push(prefix);
}

/** Secret-looking strings anywhere in `value` (which sits at `path`) replaced by HIDDEN. */
export function mask(path: Path, value: unknown): unknown {
  if (typeof value === 'string') return value !== '' && isSecretKey(path) ? HIDDEN : value;
  if (Array.isArray(value)) return value.map((v, i) => mask([...path, i], v));
  if (isMapValue(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, mask([...path, k], v)]));
  return value;
}

// The pin fields `pnpm promote` rewrites in place: `image` (or `…Image`) mappings' registry,
// repository, tag and digest (its pins.ts reads them by the same rule).
const isImageKey = (key: string) => key === 'image' || /[a-z]Image$/.test(key);
const isPinField = (path: Path): boolean => {
  const leaf = path.at(-1);
  const parent = path.at(-2);
  return (
    typeof leaf === 'string' &&
    typeof parent === 'string' &&
    ['registry', 'repository', 'tag', 'digest'].includes(leaf) &&
    isImageKey(parent)
  );
};

interface Parsed {
  layer: ValuesLayer;
  src: SourceFile;
  data: unknown;
}

/** How one layer's data touches `path`, if it does. */
function touch(data: unknown, path: Path): { how: Setting['how']; at: Path } | undefined {
  let node = data;
  let inList: number | undefined;
  for (let i = 0; i < path.length; i++) {
    const seg = path[i] as string | number;
    if (node === null) return { how: 'deletes', at: path.slice(0, i) };
    if (Array.isArray(node)) {
      // A list is replaced whole: a layer that writes the list decides everything inside it.
      inList ??= i;
      if (typeof seg !== 'number' || seg >= node.length) return { how: 'replaces', at: path.slice(0, inList) };
      node = node[seg];
    } else if (isMapValue(node)) {
      if (typeof seg !== 'string' || !(seg in node))
        return inList !== undefined ? { how: 'replaces', at: path.slice(0, inList) } : undefined;
      node = node[seg];
    } else return { how: 'replaces', at: path.slice(0, i) };
  }
  return { how: node === null ? 'deletes' : 'sets', at: [...path] };
}

/** Parses each layer; a file that is not YAML or not a map is bad input, at its line (exit 2). */
function parseLayers(layers: readonly ValuesLayer[]): Parsed[] {
  return layers.map((layer) => {
    const src = parseSource(layer.file, layer.text);
    if (src.syntax.length > 0) throw new EnvironmentError(src.syntax);
    const data = src.doc.toJS() ?? {};
    if (!isMapValue(data))
      throw new EnvironmentError([
        { file: layer.file, ...locate(src, []), path: '', message: 'expected a map of values at the top level' },
      ]);
    return { layer, src, data };
  });
}

/**
 * Where each value comes from: for `key` (or, without it, every value of every layer), each
 * layer that sets, replaces or deletes it with its file:line:col, and the final value after
 * helm's merge. A key that names a map is explained value by value under it. Secret-looking
 * values are masked everywhere. Pure: the caller reads the files.
 */
export function explainLayers(layers: readonly ValuesLayer[], key?: Path): Explanation {
  const parsed = parseLayers(layers);
  const merged = mergeValues(parsed.map((p) => p.data));
  const prefix = key ?? [];
  const paths = new Map<string, Path>();
  const add = (data: unknown) => {
    const node = valueAt(data, prefix);
    if (node === undefined) return;
    const found: Path[] = [];
    leaves(node, [...prefix], found);
    for (const p of found) if (p.length > 0) paths.set(formatKey(p), p);
  };
  for (const p of parsed) add(p.data);
  add(merged);
  // A layer may also write an ancestor of the key (null deletes it, a scalar or list replaces it).
  if (key && paths.size === 0 && parsed.some((p) => touch(p.data, key))) paths.set(formatKey(key), key);

  // An empty map in one layer that another fills in is not a value of its own.
  const keys = [...paths.keys()];
  for (const k of keys)
    if (keys.some((o) => o !== k && (o.startsWith(`${k}.`) || o.startsWith(`${k}[`)))) paths.delete(k);
  const values = [...paths.values()]
    .sort((a, b) => compareKeys(formatKey(a), formatKey(b)))
    .map((path): ExplainedValue => {
      const settings: Setting[] = [];
      for (const p of parsed) {
        const t = touch(p.data, path);
        if (!t) continue;
        const pos = locate(p.src, t.at, true);
        settings.push({
          file: p.layer.file,
          ...pos,
          kind: p.layer.kind,
          how: t.how,
          at: formatKey(t.at),
          value: mask(t.at, valueAt(p.data, t.at)),
          ...(p.layer.promotedInto && t.how === 'sets' && isPinField(path) ? { promoted: true } : {}),
        });
      }
      const final = valueAt(merged, path);
      const winner = settings.at(-1);
      return {
        key: formatKey(path),
        layers: settings,
        ...(winner ? { winner } : {}),
        final: final === undefined ? { set: false } : { set: true, value: mask(path, final) },
        secret: isSecretKey(path),
      };
    });
  return { ...(key ? { key: formatKey(key) } : {}), values };
}

/** Keys in code-unit order, so output is the same on every machine. */
const compareKeys = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Where to look instead of a key nobody sets: the nearest ancestor that some layer has, and the
 * keys under it (at most 12).
 */
export function nearestKeys(layers: readonly ValuesLayer[], key: Path): { at: string; keys: string[] } {
  const data = mergeValues(parseLayers(layers).map((p) => p.data));
  for (let n = key.length - 1; n >= 0; n--) {
    const node = valueAt(data, key.slice(0, n));
    if (isMapValue(node))
      return { at: n === 0 ? '(top level)' : formatKey(key.slice(0, n)), keys: Object.keys(node).sort(compareKeys) };
    if (Array.isArray(node))
      return { at: formatKey(key.slice(0, n)), keys: [`a list of ${node.length} item${node.length === 1 ? '' : 's'}`] };
    if (node !== undefined && n > 0)
      return {
        at: formatKey(key.slice(0, n)),
        keys: [`no keys, it is the value ${JSON.stringify(mask(key.slice(0, n), node))}`],
      };
  }
  return { at: '(top level)', keys: [] };
}
