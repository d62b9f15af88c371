import type { Environment, Release } from '@kosmos/environment';
import { waves } from '@kosmos/environment';
import { EXIT } from '@kosmos/errors';
import { type UpgradeInput, upgradeArgs } from '@kosmos/helm';
import { treeVersion as readTreeVersion } from '@kosmos/render';
import { DeployError } from './errors.ts';

/** Where a release's chart comes from when it is deployed. */
export type ChartFrom =
  /** A chart of this repository, published to the environment's registry at the pinned version. */
  | { kind: 'registry'; ref: string; version: string; plainHttp: boolean }
  /** `version: tree`: the chart folder as it is in this checkout (its dependencies vendored first). */
  | { kind: 'tree'; dir: string; version: string }
  /** A third-party chart from its https repository. */
  | { kind: 'upstream'; repository: string; name: string; version: string };

export interface PlannedRelease {
  name: string;
  namespace: string;
  /** The environment's pin: a version, or `tree`. */
  pinned: string;
  /** The chart version that will be deployed (for `tree`, the tree's Chart.yaml version). */
  version: string;
  chart: ChartFrom;
  valuesFiles: string[];
  /** Needs inside this plan (earlier waves). */
  needs: string[];
  /** 0-based. */
  wave: number;
  /** Everything `helm upgrade` is given except which cluster (added at the edge). */
  upgrade: UpgradeInput;
  /** The exact helm arguments, for the printed plan and for tests. */
  args: string[];
}

/** A release outside the selection that a selected one needs: it must already be live at its pin. */
export interface RequiredRelease {
  name: string;
  namespace: string;
  version: string;
  /** The selected releases that need it. */
  neededBy: string[];
}

export interface DeployPlan {
  env: string;
  /** Registry charts are pulled from (`oci://host/path`), if any release needs one. */
  registry?: string;
  /** helm's duration syntax, as given (`5m`). */
  timeout: string;
  timeoutMs: number;
  waves: PlannedRelease[][];
  /** Upstream releases left out by `skipUpstream`, with why. */
  skipped: { name: string; namespace: string; reason: string }[];
  required: RequiredRelease[];
}

export interface PlanInput {
  /** Registry of the environment, resolved (the local one's URL for `registry: local`). */
  registry?: string;
  /** Only these releases (by name); all when omitted. */
  releases?: string[];
  /** Also deploy what the selected releases need, transitively (default: require it live). */
  withNeeds?: boolean;
  /** Leave out releases of upstream charts (their https repositories may be out of reach). */
  skipUpstream?: boolean;
  /** Per release, as helm's `--timeout` (default `5m`). */
  timeout?: string;
  /** Reads a tree chart's version; the real Chart.yaml by default. */
  treeVersion?: (chartDir: string) => string;
}

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Milliseconds of a Go duration as helm's `--timeout` takes it (`5m`, `90s`, `1m30s`); undefined if invalid. */
export function parseDuration(text: string): number | undefined {
  if (!/^(\d+(\.\d+)?(ms|s|m|h))+$/.test(text)) return undefined;
  let ms = 0;
  for (const m of text.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)) ms += Number(m[1]) * (UNIT_MS[m[2] as string] ?? 0);
  return ms > 0 ? ms : undefined;
}

/** Registries on loopback are the local one of `pnpm run up`: plain HTTP. */
export function isLoopbackRegistry(url: string): boolean {
  const host = url.replace(/^oci:\/\//, '').split('/')[0] ?? '';
  return /^(127\.\d+\.\d+\.\d+|localhost|\[::1\])(:\d+)?$/.test(host);
}

/** Names of `names` and everything they need, transitively. */
function withTheirNeeds(env: Environment, names: string[]): Set<string> {
  const byName = new Map(env.releases.map((r) => [r.name, r]));
  const out = new Set<string>();
  const visit = (n: string) => {
    if (out.has(n)) return;
    out.add(n);
    for (const d of byName.get(n)?.needs ?? []) visit(d);
  };
  for (const n of names) visit(n);
  return out;
}

function chartFrom(env: Environment, r: Release, registry: string | undefined, treeVersion: (d: string) => string) {
  const c = r.chart;
  if (c.kind === 'upstream')
    return { kind: 'upstream', repository: c.repository, name: c.name, version: r.version } as const;
  if (r.version === 'tree') return { kind: 'tree', dir: c.dir, version: treeVersion(c.dir) } as const;
  if (!registry)
    throw new DeployError(
      `${env.name}/${r.name}: no registry to pull ${c.name} ${r.version} from${env.registry.local ? ' (the local registry is not running: `pnpm run up`)' : ''}`,
    );
  const base = registry.replace(/\/$/, '');
  return {
    kind: 'registry',
    ref: `${base}/${c.name}`,
    version: r.version,
    plainHttp: isLoopbackRegistry(base),
  } as const;
}

function upgradeInput(r: Release, chart: ChartFrom, timeout: string): UpgradeInput {
  const base = { release: r.name, namespace: r.namespace, valuesFiles: r.values, timeout };
  switch (chart.kind) {
    case 'registry':
      return { ...base, chart: chart.ref, version: chart.version, plainHttp: chart.plainHttp };
    case 'tree':
      return { ...base, chart: chart.dir };
    case 'upstream':
      return { ...base, chart: chart.name, repo: chart.repository, version: chart.version };
  }
}

/**
 * What deploying an environment would do, from data only: which releases, in which waves (a
 * wave needs only earlier waves), and the exact `helm upgrade --install` of each. Nothing is
 * read from the cluster; a selection's needs outside it are listed in `required`, for the
 * deployer to check live before it starts.
 */
export function planDeploy(env: Environment, i: PlanInput = {}): DeployPlan {
  // helm installing beside Argo CD would fight its automated sync (self-heal reverts it).
  if (env.argocd)
    throw new DeployError(
      `${env.name} is handed to Argo CD ("argocd:" in environment.yaml): its clusters follow the ApplicationSet; run \`pnpm render --env ${env.name} --for argocd\` and apply it to Argo CD's cluster instead`,
      EXIT.usage,
    );
  const timeout = i.timeout ?? '5m';
  const timeoutMs = parseDuration(timeout);
  if (timeoutMs === undefined)
    throw new DeployError(`--timeout: expected a duration such as 5m, 90s or 1m30s, got "${timeout}"`, EXIT.usage);
  const known = new Set(env.releases.map((r) => r.name));
  for (const n of i.releases ?? []) {
    if (!known.has(n))
      throw new DeployError(
        `--release ${n}: no such release in ${env.name} (releases: ${env.releases.map((r) => r.name).join(', ')})`,
        EXIT.usage,
      );
  }
  const selected = i.releases
    ? i.withNeeds
      ? withTheirNeeds(env, i.releases)
      : new Set(i.releases)
    : new Set(env.releases.map((r) => r.name));
  const skipped: DeployPlan['skipped'] = [];
  const chosen = env.releases.filter((r) => {
    if (!selected.has(r.name)) return false;
    if (i.skipUpstream && r.chart.kind === 'upstream') {
      skipped.push({
        name: r.name,
        namespace: r.namespace,
        reason: `upstream chart ${r.chart.name} ${r.version} from ${r.chart.repository} left out (--skip-upstream)`,
      });
      return false;
    }
    return true;
  });
  const inPlan = new Set(chosen.map((r) => r.name));
  const skippedNames = new Set(skipped.map((s) => s.name));
  const byName = new Map(env.releases.map((r) => [r.name, r]));
  const treeVersion = i.treeVersion ?? readTreeVersion;

  const required = new Map<string, RequiredRelease>();
  for (const r of chosen) {
    for (const n of r.needs) {
      // A need left out by --skip-upstream is the user's to vouch for: it is named in `skipped`.
      if (inPlan.has(n) || skippedNames.has(n)) continue;
      const need = byName.get(n) as Release;
      if (i.skipUpstream && need.chart.kind === 'upstream') continue;
      const version =
        need.version === 'tree' && need.chart.kind === 'repo' ? treeVersion(need.chart.dir) : need.version;
      const entry = required.get(n) ?? { name: n, namespace: need.namespace, version, neededBy: [] };
      entry.neededBy.push(r.name);
      required.set(n, entry);
    }
  }

  const nodes = chosen.map((r) => ({ name: r.name, needs: r.needs.filter((n) => inPlan.has(n)), release: r }));
  const planned = waves(nodes).map((wave, w) =>
    wave.map((node): PlannedRelease => {
      const r = node.release;
      const chart = chartFrom(env, r, i.registry, treeVersion);
      const up = upgradeInput(r, chart, timeout);
      return {
        name: r.name,
        namespace: r.namespace,
        pinned: r.version,
        version: chart.version,
        chart,
        valuesFiles: r.values,
        needs: node.needs,
        wave: w,
        upgrade: up,
        args: upgradeArgs(up),
      };
    }),
  );
  return {
    env: env.name,
    ...(i.registry ? { registry: i.registry } : {}),
    timeout,
    timeoutMs,
    waves: planned,
    skipped,
    required: [...required.values()],
  };
}
