import type { NumberedRecord } from '@kosmos/environment';
import type { ReleaseStatus } from './status.ts';

/** One environment as the promotion view needs it: its place in the chain and its rows. */
export interface EnvironmentRows {
  env: string;
  promotesFrom?: string;
  releases: Pick<ReleaseStatus, 'release' | 'pinned' | 'deployed'>[];
}

export interface PromotionView {
  /** Environments in promotion order (sources first). */
  environments: string[];
  releases: {
    release: string;
    /** Per environment: its pin and the live version (null: not a release of it). */
    versions: Record<string, { pinned: string; deployed: string | null } | null>;
    /** Each environment whose pin differs from the one of the environment it promotes from. */
    behind: { env: string; behind: string; has: string; sourceHas: string }[];
  }[];
  /** The last promotion recorded into each environment (null: none). */
  last: Record<string, Omit<NumberedRecord, 'pins' | 'gates'> | null>;
}

/** `tree (0.3.0)` → `0.3.0`: the version a tree pin resolves to, for comparing. */
const resolved = (pinned: string) => /^tree \((.+)\)$/.exec(pinned)?.[1] ?? pinned;

/** Sources before the environments they promote into; the rest keep their order. */
function chainOrder(envs: readonly EnvironmentRows[]): string[] {
  const names = new Set(envs.map((e) => e.env));
  const from = new Map(envs.map((e) => [e.env, e.promotesFrom]));
  const depth = (n: string, seen = new Set<string>()): number => {
    const f = from.get(n);
    if (!f || !names.has(f) || seen.has(n)) return 0;
    seen.add(n);
    return 1 + depth(f, seen);
  };
  return envs
    .map((e, i) => ({ n: e.env, d: depth(e.env), i }))
    .sort((a, b) => a.d - b.d || a.i - b.i)
    .map((x) => x.n);
}

/**
 * Where the environments stand: per release, the version in each environment side by side,
 * which environment is behind the one it promotes from, and the last promotion of each from its
 * audit trail. Pure: the rows and records are read by the caller.
 */
export function promotionView(
  envs: readonly EnvironmentRows[],
  records: Readonly<Record<string, readonly NumberedRecord[]>>,
): PromotionView {
  const order = chainOrder(envs);
  const byEnv = new Map(envs.map((e) => [e.env, e]));
  const releaseNames: string[] = [];
  for (const n of order)
    for (const r of byEnv.get(n)?.releases ?? []) if (!releaseNames.includes(r.release)) releaseNames.push(r.release);
  const releases = releaseNames.map((release) => {
    const versions: PromotionView['releases'][number]['versions'] = {};
    for (const n of order) {
      const row = byEnv.get(n)?.releases.find((r) => r.release === release);
      versions[n] = row ? { pinned: row.pinned, deployed: row.deployed } : null;
    }
    const behind: PromotionView['releases'][number]['behind'] = [];
    for (const n of order) {
      const e = byEnv.get(n);
      const mine = versions[n];
      const theirs = e?.promotesFrom ? versions[e.promotesFrom] : undefined;
      if (!e?.promotesFrom || !mine || !theirs) continue;
      if (resolved(mine.pinned) !== resolved(theirs.pinned))
        behind.push({ env: n, behind: e.promotesFrom, has: resolved(mine.pinned), sourceHas: resolved(theirs.pinned) });
    }
    return { release, versions, behind };
  });
  const last: PromotionView['last'] = {};
  for (const n of order) {
    const r = records[n]?.at(-1);
    if (!r) {
      last[n] = null;
      continue;
    }
    const { pins: _p, gates: _g, ...rest } = r;
    last[n] = rest;
  }
  return { environments: order, releases, last };
}
