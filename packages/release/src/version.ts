import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative } from 'node:path';
import getReleasePlanModule from '@changesets/get-release-plan';
import { EXIT, UserError, writeAtomic } from '@kosmos/cli';
import { runHelm } from '@kosmos/helm';
import semver from 'semver';
import { isMap, isSeq, parseDocument, type YAMLMap } from 'yaml';

/** The part of changesets' release plan version-charts uses (checked where it is read). */
export interface ChangesetRelease {
  name: string;
  type: 'major' | 'minor' | 'patch' | 'none';
  oldVersion: string;
  newVersion: string;
  changesets: string[];
}
export interface ChangesetPlan {
  changesets: { id: string; summary: string }[];
  releases: ChangesetRelease[];
}

/** Artifact Hub's change kinds (artifacthub.io/changes). */
export const CHANGE_KINDS = ['added', 'changed', 'deprecated', 'removed', 'fixed', 'security'] as const;
export type ChangeKind = (typeof CHANGE_KINDS)[number];

export interface ChartPackage {
  /** `@kosmos-charts/core-agents` */
  packageName: string;
  /** Absolute chart folder. */
  dir: string;
}

/** Chart folders that are workspace packages, by package name. */
export function chartPackages(root: string): Map<string, ChartPackage> {
  const out = new Map<string, ChartPackage>();
  const chartsDir = join(root, 'charts');
  for (const d of readdirSync(chartsDir, { withFileTypes: true })) {
    const pkg = join(chartsDir, d.name, 'package.json');
    if (!d.isDirectory() || !existsSync(pkg) || !existsSync(join(chartsDir, d.name, 'Chart.yaml'))) continue;
    const name = (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: unknown }).name;
    if (typeof name !== 'string') throw new UserError(`${relative(root, pkg)}: name: expected a string`, EXIT.usage);
    out.set(name, { packageName: name, dir: join(chartsDir, d.name) });
  }
  return out;
}

/**
 * One Artifact Hub change from a changeset summary. A summary may start with the kind
 * (`fixed: probes use the named port`); otherwise the bump decides: major → changed,
 * minor → added, patch → fixed. Only the first paragraph is kept: the annotation is a list of
 * one-line entries, the CHANGELOG keeps the whole text.
 */
export function changeOf(summary: string, bump: ChangesetRelease['type']): { kind: ChangeKind; description: string } {
  const first = (summary.trim().split(/\n\s*\n/)[0] ?? '').replace(/\s*\n\s*/g, ' ').trim();
  const m = /^(added|changed|deprecated|removed|fixed|security)\s*:\s*(.+)$/i.exec(first);
  if (m?.[1] && m[2]) return { kind: m[1].toLowerCase() as ChangeKind, description: m[2] };
  return { kind: bump === 'major' ? 'changed' : bump === 'minor' ? 'added' : 'fixed', description: first };
}

export interface ChartUpdate {
  dir: string;
  version: string;
  /** New versions of the tree's charts this one vendors, by chart name. */
  dependencies: Map<string, string>;
  changes: { kind: ChangeKind; description: string }[];
}

/**
 * Pure: what each chart's Chart.yaml must become after changesets bumped the packages. A chart
 * bumped only because the library moved gets one "changed" entry naming the library's version.
 */
export function chartUpdates(
  plan: ChangesetPlan,
  packages: ReadonlyMap<string, ChartPackage & { chartName: string; localDependencies: string[] }>,
): ChartUpdate[] {
  const byId = new Map(plan.changesets.map((c) => [c.id, c]));
  const released = new Map(plan.releases.filter((r) => r.type !== 'none').map((r) => [r.name, r]));
  const newVersionOfChart = new Map<string, string>();
  for (const [name, p] of packages) {
    const r = released.get(name);
    if (r) newVersionOfChart.set(p.chartName, r.newVersion);
  }
  const out: ChartUpdate[] = [];
  for (const r of released.values()) {
    const p = packages.get(r.name);
    if (!p) continue; // a package that is not a chart
    if (!semver.valid(r.newVersion))
      throw new UserError(`${r.name}: changesets computed "${r.newVersion}", not a semantic version`);
    const dependencies = new Map<string, string>();
    for (const dep of p.localDependencies) {
      const v = newVersionOfChart.get(dep);
      if (v) dependencies.set(dep, v);
    }
    const changes = r.changesets.flatMap((id) => {
      const c = byId.get(id);
      return c ? [changeOf(c.summary, r.type)] : [];
    });
    for (const [dep, v] of dependencies) changes.push({ kind: 'changed', description: `Uses ${dep} ${v}.` });
    out.push({ dir: p.dir, version: r.newVersion, dependencies, changes });
  }
  return out;
}

/**
 * Rewrites Chart.yaml through the yaml Document API, so comments, key order and quoting stay:
 * `version`, the `version` of each vendored tree chart in `dependencies`, and
 * `annotations["artifacthub.io/changes"]` (a YAML list in a string, as Artifact Hub wants it).
 */
export function updateChartYaml(
  text: string,
  u: Pick<ChartUpdate, 'version' | 'dependencies' | 'changes'>,
  where: string,
): string {
  const doc = parseDocument(text);
  if (doc.errors.length > 0) throw new UserError(`${where}: ${doc.errors[0]?.message.split('\n')[0]}`, EXIT.usage);
  if (!isMap(doc.contents)) throw new UserError(`${where}: expected a mapping`, EXIT.usage);
  doc.set('version', u.version);
  const deps = doc.get('dependencies');
  if (isSeq(deps)) {
    for (const item of deps.items) {
      if (!isMap(item)) continue;
      const name = (item as YAMLMap).get('name');
      const v = typeof name === 'string' ? u.dependencies.get(name) : undefined;
      if (v) (item as YAMLMap).set('version', v);
    }
  }
  if (u.changes.length > 0) {
    const list = u.changes.map((c) => `- kind: ${c.kind}\n  description: ${JSON.stringify(c.description)}\n`).join('');
    if (!doc.has('annotations')) doc.set('annotations', doc.createNode({}));
    doc.setIn(['annotations', 'artifacthub.io/changes'], list);
  }
  return doc.toString({ lineWidth: 0 });
}

const require = createRequire(import.meta.url);

function changesetVersion(root: string): Promise<void> {
  const bin = require.resolve('@changesets/cli/bin.js');
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [bin, 'version'], { cwd: root }, (err, _stdout, stderr) => {
      if (!err) return resolve();
      const line = stderr.split('\n').find((l) => /error/i.test(l)) ?? stderr.trim().split('\n')[0] ?? err.message;
      reject(new UserError(`changeset version: ${line.replace(/^🦋\s*error\s*/, '')}`));
    });
  });
}

function pnpmLockfile(root: string): Promise<void> {
  // Under `pnpm run`, npm_execpath is the pnpm that runs us; otherwise the one on PATH.
  const execpath = process.env.npm_execpath;
  const [cmd, args] =
    execpath?.endsWith('.cjs') || execpath?.endsWith('.js') ? [process.execPath, [execpath]] : ['pnpm', []];
  return new Promise((resolve, reject) => {
    execFile(cmd, [...args, 'install', '--lockfile-only', '--offline'], { cwd: root }, (err, _o, stderr) =>
      err
        ? reject(
            new UserError(
              `pnpm install --lockfile-only: ${stderr.trim().split('\n')[0] ?? err.message}; run it yourself before committing`,
            ),
          )
        : resolve(),
    );
  });
}

async function readPlan(root: string): Promise<ChangesetPlan> {
  const get =
    (getReleasePlanModule as unknown as { default?: typeof getReleasePlanModule }).default ?? getReleasePlanModule;
  let raw: unknown;
  try {
    raw = await get(root);
  } catch (e) {
    throw new UserError(`.changeset: ${(e as Error).message.split('\n')[0]}`, EXIT.usage);
  }
  const p = raw as Partial<ChangesetPlan>;
  if (!Array.isArray(p.changesets) || !Array.isArray(p.releases))
    throw new Error('changesets answered without a release plan');
  return p as ChangesetPlan;
}

export interface VersionResult {
  /** Charts whose version changed: chart folder (relative), old → new. */
  charts: { chart: string; from: string; to: string }[];
  files: string[];
}

/**
 * `pnpm version-charts`: changesets' own versioning (package.json bumps, CHANGELOG.md, consumed
 * changeset files), then each new version written into Chart.yaml with the dependency
 * constraints of the charts that vendor it and the Artifact Hub change list, and Chart.lock
 * refreshed where a dependency moved (`helm dependency build` refuses a stale lock).
 */
export async function versionCharts(
  root: string,
  log: (l: string) => void = () => {},
  o: { lockfile?: boolean } = {},
): Promise<VersionResult> {
  const plan = await readPlan(root);
  if (plan.releases.length === 0) {
    log('version-charts: no changesets to apply (describe a change with pnpm changeset)');
    return { charts: [], files: [] };
  }
  const pkgs = chartPackages(root);
  const withMeta = new Map(
    [...pkgs].map(([name, p]) => {
      const meta = parseDocument(readFileSync(join(p.dir, 'Chart.yaml'), 'utf8')).toJS() as {
        name: string;
        dependencies?: { name: string; repository?: string }[];
      };
      const localDependencies = (meta.dependencies ?? [])
        .filter((d) => d.repository?.startsWith('file://'))
        .map((d) => d.name);
      return [name, { ...p, chartName: meta.name, localDependencies }];
    }),
  );
  const updates = chartUpdates(plan, withMeta);
  log(`version-charts: changeset version (${plan.changesets.length} changeset(s))`);
  await changesetVersion(root);
  const files: string[] = [];
  const charts: VersionResult['charts'] = [];
  for (const u of updates) {
    const file = join(u.dir, 'Chart.yaml');
    const before = readFileSync(file, 'utf8');
    const from = String((parseDocument(before).toJS() as { version?: unknown }).version);
    const pkgVersion = (JSON.parse(readFileSync(join(u.dir, 'package.json'), 'utf8')) as { version: string }).version;
    if (pkgVersion !== u.version)
      throw new UserError(
        `${relative(root, u.dir)}/package.json: changesets wrote ${pkgVersion}, its plan said ${u.version}`,
      );
    await writeAtomic(file, updateChartYaml(before, u, relative(root, file)));
    files.push(relative(root, file));
    charts.push({ chart: relative(root, u.dir), from, to: u.version });
    log(`  ${relative(root, u.dir)}: ${from} → ${u.version}`);
  }
  for (const u of updates.filter((x) => x.dependencies.size > 0)) {
    await runHelm(['dependency', 'update', u.dir, '--skip-refresh']);
    files.push(relative(root, join(u.dir, 'Chart.lock')));
  }
  // The charts' `workspace:` ranges moved: without this, `pnpm install --frozen-lockfile` fails in CI.
  if (o.lockfile ?? true) {
    await pnpmLockfile(root);
    files.push('pnpm-lock.yaml');
  }
  return { charts, files };
}
