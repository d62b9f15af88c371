import { createHash } from 'node:crypto';
import type { KubeObject } from '@kosmos/helm';

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
    // Very short values ("1", "true") would blank out ordinary words; they are still never
    // printed by the diff itself, which masks before it renders.
    if (v.length >= 6) this.values.add(v);
  }

  redact(text: string): string {
    let out = text;
    for (const v of [...this.values].sort((a, b) => b.length - a.length)) out = out.split(v).join(HIDDEN);
    return out;
  }
}
