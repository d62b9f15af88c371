import { createHash } from 'node:crypto';
import type { KubeObject } from '@kosmos/objects';

/** What replaces every Secret value before anything is compared as text or printed. */
export const HIDDEN = '<hidden>';
export const HIDDEN_CHANGED = '<hidden, changed>';

export interface SecretKeyChanges {
  added: string[];
  changed: string[];
  removed: string[];
}

export const isSecret = (o: KubeObject | undefined): boolean =>
  o?.kind === 'Secret' && (o.apiVersion === 'v1' || !o.apiVersion);

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/**
 * Key → hash of the decoded value, from `data` (base64) and `stringData` (text, which wins as
 * the server merges it). Values in memory only long enough to hash; hashes never leave the
 * process either (they would allow guessing short values).
 */
export function secretHashes(o: KubeObject): Map<string, string> {
  const out = new Map<string, string>();
  for (const [k, v] of Object.entries((o.data ?? {}) as Record<string, string>))
    out.set(k, sha(Buffer.from(String(v), 'base64')));
  for (const [k, v] of Object.entries((o.stringData ?? {}) as Record<string, string>))
    out.set(k, sha(Buffer.from(String(v), 'utf8')));
  return out;
}

/** Which keys of a Secret an apply would add, change or remove. */
export function secretKeyChanges(live: KubeObject | undefined, desired: KubeObject | undefined): SecretKeyChanges {
  const a = live ? secretHashes(live) : new Map<string, string>();
  const b = desired ? secretHashes(desired) : new Map<string, string>();
  return {
    added: [...b.keys()].filter((k) => !a.has(k)).sort(),
    changed: [...b.keys()].filter((k) => a.has(k) && a.get(k) !== b.get(k)).sort(),
    removed: [...a.keys()].filter((k) => !b.has(k)).sort(),
  };
}

/**
 * The Secret with every value replaced: `data` holds the union of `data` and `stringData` keys,
 * each `<hidden>` (or `<hidden: changed>` for keys in `changed`), and `stringData` is gone.
 * Any other object is returned as is.
 */
export function maskSecret(o: KubeObject, changed: readonly string[] = []): KubeObject {
  if (!isSecret(o)) return o;
  const keys = new Set([...Object.keys((o.data ?? {}) as object), ...Object.keys((o.stringData ?? {}) as object)]);
  const { data: _d, stringData: _s, ...rest } = o;
  if (keys.size === 0) return rest as KubeObject;
  const data: Record<string, string> = {};
  for (const k of [...keys].sort()) data[k] = changed.includes(k) ? HIDDEN_CHANGED : HIDDEN;
  return { ...rest, data } as KubeObject;
}

/**
 * Shortest Secret value the Redactor blanks out, in characters (surrounding whitespace not
 * counted). 3 covers short passwords and PINs ("1234", "hunter") that an API server message
 * could echo; 1–2 character values ("1", "y", "no") are left alone, as blanking every "1" or
 * "no" would mangle ordinary output and hide nothing a guess would not find. Those short
 * values are still never printed by the diff itself, which masks Secrets before it renders.
 */
export const MIN_REDACTED_LENGTH = 3;

/**
 * Last line of defence: remembers every Secret value seen (decoded and as base64) and blanks
 * them out of any text about to be printed, in case a server message or an annotation repeats one.
 */
export class Redactor {
  private readonly values = new Set<string>();

  /** Remembers the values of a Secret (no-op for other kinds). */
  add(o: KubeObject | undefined): void {
    if (!o || !isSecret(o)) return;
    for (const v of Object.values((o.data ?? {}) as Record<string, string>)) {
      this.remember(String(v));
      this.remember(Buffer.from(String(v), 'base64').toString('utf8'));
    }
    for (const v of Object.values((o.stringData ?? {}) as Record<string, string>)) {
      this.remember(String(v));
      this.remember(Buffer.from(String(v), 'utf8').toString('base64'));
    }
  }

  private remember(v: string): void {
    if (v.trim().length >= MIN_REDACTED_LENGTH) this.values.add(v);
  }

  redact(text: string): string {
    let out = text;
    for (const v of [...this.values].sort((a, b) => b.length - a.length)) out = out.split(v).join(HIDDEN);
    return out;
  }

  /**
   * The error with every Secret value blanked out of its message, stack and other text fields,
   * for rethrowing. The copy keeps the error's class (its prototype), name and flags such as
   * `exitCode`, so the CLI prints and exits as it would have; a `cause` is
   * redacted the same way. An error with nothing to blank is returned as is.
   */
  redactError(e: unknown, seen = new Set<unknown>()): Error {
    if (!(e instanceof Error)) return new Error(this.redact(String(e)));
    if (seen.has(e)) return e;
    seen.add(e);
    const own = Object.getOwnPropertyDescriptors(e) as Record<string, PropertyDescriptor>;
    let touched = false;
    const scrub = (v: unknown): unknown => {
      const r = this.redactValue(v);
      if (r !== v) touched = true;
      return r;
    };
    const props: Record<string, PropertyDescriptor> = {};
    for (const [k, d] of Object.entries(own)) {
      if (k === 'cause' && d.value instanceof Error) {
        const cause = this.redactError(d.value, seen);
        if (cause !== d.value) touched = true;
        props[k] = { ...d, value: cause };
      } else props[k] = 'value' in d ? { ...d, value: scrub(d.value) } : d;
    }
    // message and stack may live on the prototype chain rather than the error itself.
    for (const k of ['message', 'stack'] as const) {
      if (k in props) continue;
      const v = e[k];
      if (typeof v === 'string') props[k] = { value: scrub(v), writable: true, configurable: true, enumerable: false };
    }
    if (!touched) return e;
    return Object.create(Object.getPrototypeOf(e), props) as Error;
  }

  /** Strings redacted; arrays and plain objects (an ApiError's `details`) copied with theirs redacted. */
  private redactValue(v: unknown, depth = 0): unknown {
    if (typeof v === 'string') {
      const r = this.redact(v);
      return r === v ? v : r;
    }
    if (depth > 3 || typeof v !== 'object' || v === null) return v;
    if (Array.isArray(v)) {
      const items = v.map((x) => this.redactValue(x, depth + 1));
      return items.some((x, i) => x !== v[i]) ? items : v;
    }
    if (Object.getPrototypeOf(v) !== Object.prototype) return v;
    const entries = Object.entries(v).map(([k, x]) => [k, this.redactValue(x, depth + 1)] as const);
    return entries.some(([k, x]) => x !== (v as Record<string, unknown>)[k]) ? Object.fromEntries(entries) : v;
  }
}

// A values key names a secret by what it holds (`password`, `apiKey`, `clientSecret`, `token`).
// Keys that only say where a secret lives are references and stay readable: `existingSecret`,
// `secretName`, `passwordKey` (a key inside a Secret), `pullSecrets` (Secret names),
// `secretKeyRef`. In a map named `credentials` or `secrets` every other key is secret.
const SECRET_WORD = /pass(word|wd|phrase)?$|secret|token|credential/i;
// A key that is itself a key (`apiKey`, `accessKey`), unlike `passwordKey`, a key inside a Secret.
const KEY_MATERIAL = /(api|access|private|encryption|signing|master)[-_]?key$/i;
const REFERENCE = /^existing|(name|names|key|keyref|ref|secrets|file|path)$/i;
const SECRET_MAP = /^(credentials?|secrets?)$/i;

/**
 * True when the value at this path of a values file (numbers for list indices) must never be
 * printed: its key looks secret and is no reference, or it sits in a secret-looking map.
 */
export function isSecretKey(path: readonly (string | number)[]): boolean {
  const names = path.filter((s): s is string => typeof s === 'string');
  const leaf = names.at(-1);
  const parent = names.at(-2);
  if (leaf === undefined) return false;
  if (KEY_MATERIAL.test(leaf)) return true;
  if (REFERENCE.test(leaf)) return false;
  return SECRET_WORD.test(leaf) || (parent !== undefined && SECRET_MAP.test(parent));
}
