import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import type { ValidateFunction } from 'ajv';
import schema from './environment.schema.json' with { type: 'json' };
import { checkGraph } from './graph.ts';
import { dottedPath, EnvironmentError, type Problem } from './problems.ts';
import { locate, parseSource, type SourceFile } from './source.ts';
import { asStandIn, STAND_IN_VARIABLE, type StandIn, standInNames } from './stand-in.ts';
import { compile, schemaProblems } from './validate.ts';

/** A chart of this repository (charts/<name>) or an upstream chart from its repository. */
export type ChartRef =
  | { kind: 'repo'; name: string; dir: string }
  | { kind: 'upstream'; name: string; repository: string };

export interface Release {
  name: string;
  namespace: string;
  chart: ChartRef;
  /** A pinned chart version, or 'tree' to use the chart as it is in this repository. */
  version: string;
  /** Absolute paths of values files, in the order helm applies them. */
  values: string[];
  needs: string[];
  /** Where the release is declared, for messages. */
  at: { file: string; line: number; col: number };
}

/** `stateDir`: where the local cluster's state is, when not the default one (a stand-in's). */
export type ClusterRef = { local: true; stateDir?: string } | { local: false; context: string; kubeconfig?: string };

/** One cluster of an environment: a site, a region; Argo CD knows it by `name`. */
export interface NamedCluster {
  name: string;
  /** Labels of its Argo CD cluster Secret, beside `environment: <env>`. */
  labels: Record<string, string>;
  /** The cluster single-cluster verbs (deploy, diff) use. */
  default: boolean;
  cluster: ClusterRef;
}

/** Where an environment is handed to Argo CD (`argocd:` in environment.yaml). */
export interface ArgoCd {
  /** Argo CD's namespace, where the ApplicationSet and its Applications live. */
  namespace: string;
  project: string;
  /** The cluster Argo CD runs in: `pnpm status` reads the Applications there. */
  controlPlane: ClusterRef;
  prune: boolean;
  selfHeal: boolean;
}

export interface Gates {
  approval: boolean;
  sourceHealthy: boolean;
  noDrift: boolean;
}

export interface Environment {
  name: string;
  description?: string;
  /** Absolute path of environment.yaml. */
  file: string;
  dir: string;
  kubernetesVersion: string;
  /** The default cluster: the one of `cluster:`, or the default one of `clusters:`. */
  cluster: ClusterRef;
  /**
   * Every cluster, the default one included, when the file names several (`clusters:`); read it
   * through `clustersOf`, which gives an environment written with `cluster:` its one cluster.
   */
  clusters?: NamedCluster[];
  /** Set when the environment is handed to Argo CD. */
  argocd?: ArgoCd;
  /** 'local' means the registry of `pnpm run up`. */
  registry: { local: true } | { local: false; url: string };
  promotesFrom?: string;
  gates: Gates;
  releases: Release[];
  /** Set when a local cluster stands in for this environment's own (KOSMOS_LOCAL_CLUSTERS). */
  standIn?: StandIn;
}

interface RawRelease {
  name: string;
  namespace: string;
  chart: string | { name: string; repository: string };
  version: string;
  values?: string[];
  needs?: string[];
}
type RawCluster = { local: true } | { context: string; kubeconfig?: string };
interface RawEnvironment {
  name: string;
  description?: string;
  kubernetesVersion: string;
  cluster?: RawCluster;
  clusters?: (RawCluster & { name: string; labels?: Record<string, string>; default?: boolean })[];
  argocd?: Partial<Omit<ArgoCd, 'controlPlane'>> & { controlPlane?: RawCluster };
  registry: string;
  promotesFrom?: string;
  gates?: Partial<Gates>;
  releases: RawRelease[];
}

// Compiled on first use: a command's --help, or one that never reads an environment, should not pay for it.
let validator: ValidateFunction | undefined;
function validate(): ValidateFunction {
  validator ??= compile(schema as Record<string, unknown>);
  return validator;
}

/**
 * Environment files that already passed the schema, by a hash of the schema and the file's data:
 * compiling the schema was ~0.25 s of every command's start in the profiles (render, diff), for
 * files that rarely change. Only a pass is remembered; a file that fails is always checked in
 * full (every problem at its line), and any change to the data or the schema is a new key.
 */
const SHAPE_CACHE_FORMAT = 'kosmos-environment-shape/1';
const schemaHash = createHash('sha256').update(JSON.stringify(schema)).digest('hex');
function shapeCacheFile(data: unknown): string {
  const base = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
  const key = createHash('sha256')
    .update(`${SHAPE_CACHE_FORMAT}\0${schemaHash}\0${JSON.stringify(data)}`)
    .digest('hex');
  return join(base, 'kosmos-platform', 'environment-shape', key);
}

function shapeProblems(data: unknown, src: SourceFile): Problem[] {
  let marker: string | undefined;
  try {
    marker = shapeCacheFile(data);
    if (existsSync(marker)) return [];
  } catch {
    marker = undefined;
  }
  const problems = schemaProblems(validate(), data, src);
  if (problems.length === 0 && marker) {
    try {
      mkdirSync(dirname(marker), { recursive: true });
      writeFileSync(marker, '');
    } catch {
      // A cache that cannot be written only costs the next command the compile.
    }
  }
  return problems;
}

export const ENVIRONMENTS_DIR = 'environments';

/** Names of the environments in a repository: folders under environments/ with an environment.yaml. */
export function listEnvironments(root: string): string[] {
  const dir = join(root, ENVIRONMENTS_DIR);
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(dir, d.name, 'environment.yaml')))
    .map((d) => d.name)
    .sort();
}

function expandHome(p: string): string {
  return p === '~' || p.startsWith('~/') ? join(homedir(), p.slice(1)) : p;
}

/** Checks that only make sense with the whole file in view (names, references, files on disk). */
function semanticProblems(raw: RawEnvironment, src: SourceFile, root: string, dir: string, envName: string): Problem[] {
  const problems: Problem[] = [];
  const at = (path: (string | number)[], message: string, key = false) =>
    problems.push({ file: src.file, ...locate(src, path, key), path: dottedPath(path), message });
  if (raw.name !== envName) at(['name'], `must equal the folder name "${envName}", got "${raw.name}"`);
  if (raw.promotesFrom === raw.name) at(['promotesFrom'], 'an environment cannot promote from itself');
  clusterProblems(raw, at);
  const seen = new Map<string, number>();
  raw.releases.forEach((r, i) => {
    const first = seen.get(r.name);
    if (first !== undefined)
      at(['releases', i, 'name'], `duplicate release name "${r.name}" (also releases[${first}])`);
    else seen.set(r.name, i);
    if (typeof r.chart === 'string' && !existsSync(join(root, 'charts', r.chart, 'Chart.yaml'))) {
      at(['releases', i, 'chart'], `no chart "${r.chart}" in charts/ (expected charts/${r.chart}/Chart.yaml)`);
    }
    if (typeof r.chart !== 'string' && r.version === 'tree') {
      at(
        ['releases', i, 'version'],
        'an upstream chart must be pinned to a version, "tree" is only for charts of this repository',
      );
    }
    if (r.version === 'tree' && raw.promotesFrom) {
      at(
        ['releases', i, 'version'],
        `"tree" is only allowed where nothing is promoted in; ${raw.name} promotes from ${raw.promotesFrom}, so pin a released version`,
      );
    }
    (r.values ?? []).forEach((v, j) => {
      if (!existsSync(resolve(dir, v)))
        at(['releases', i, 'values', j], `values file not found: ${relative(root, resolve(dir, v))}`);
    });
  });
  const graph = checkGraph(raw.releases.map((r) => ({ name: r.name, needs: r.needs ?? [] })));
  for (const u of graph.unknown) {
    at(['releases', u.index, 'needs', u.needIndex], `needs "${u.need}", which is not a release of this environment`);
  }
  if (graph.cycle) {
    const i = raw.releases.findIndex((r) => r.name === graph.cycle?.[0]);
    at(['releases', i, 'needs'], `needs form a cycle: ${graph.cycle.join(' -> ')}`);
  }
  return problems;
}

/** `cluster` xor `clusters`; cluster names unique, one default at most, each reachable somehow. */
function clusterProblems(
  raw: RawEnvironment,
  at: (path: (string | number)[], message: string, key?: boolean) => void,
): void {
  if (raw.cluster && raw.clusters)
    at(['clusters'], 'give either "cluster" (one cluster) or "clusters", not both', true);
  if (!raw.cluster && !raw.clusters)
    at([], 'missing required key "cluster" (or "clusters": a list of {name, labels, context, kubeconfig})');
  const seen = new Map<string, number>();
  (raw.clusters ?? []).forEach((c, i) => {
    const first = seen.get(c.name);
    if (first !== undefined)
      at(['clusters', i, 'name'], `duplicate cluster name "${c.name}" (also clusters[${first}])`);
    else seen.set(c.name, i);
    const local = 'local' in c && c.local === true;
    const context = 'context' in c ? c.context : undefined;
    if (local === Boolean(context))
      at(
        ['clusters', i],
        'expected either "local: true" or "context: NAME" (with "kubeconfig: PATH" if not the default one)',
      );
    if (local && 'kubeconfig' in c) at(['clusters', i, 'kubeconfig'], 'a local cluster takes no kubeconfig', true);
  });
  const defaults = (raw.clusters ?? []).flatMap((c, i) => (c.default ? [i] : []));
  if (defaults.length > 1)
    at(
      ['clusters', defaults[1] as number, 'default'],
      `only one cluster can be the default (also clusters[${defaults[0]}])`,
    );
}

function clusterRef(c: RawCluster, dir: string): ClusterRef {
  return 'local' in c
    ? { local: true }
    : {
        local: false,
        context: c.context,
        ...(c.kubeconfig ? { kubeconfig: resolve(dir, expandHome(c.kubeconfig)) } : {}),
      };
}

function namedClusters(raw: RawEnvironment, dir: string): NamedCluster[] {
  if (raw.cluster) return [{ name: raw.name, labels: {}, default: true, cluster: clusterRef(raw.cluster, dir) }];
  const list = raw.clusters ?? [];
  const def = Math.max(
    0,
    list.findIndex((c) => c.default),
  );
  return list.map((c, i) => ({
    name: c.name,
    labels: c.labels ?? {},
    default: i === def,
    cluster: clusterRef(c, dir),
  }));
}

export interface LoadOptions {
  /** Environments a local cluster stands in for (default: KOSMOS_LOCAL_CLUSTERS). */
  standIns?: readonly string[];
}

/**
 * Reads, validates and types one environment. Every problem in the file is reported at once,
 * each with file:line:col; the result is trusted by every verb after this. An environment named
 * in KOSMOS_LOCAL_CLUSTERS comes back as its stand-in (see `asStandIn`).
 */
export function loadEnvironment(root: string, name: string, o: LoadOptions = {}): Environment {
  const standIns = o.standIns ?? standInNames();
  const known = listEnvironments(root);
  const unknown = standIns.filter((s) => !known.includes(s));
  if (unknown.length) {
    throw new EnvironmentError([
      {
        file: STAND_IN_VARIABLE,
        line: 1,
        col: 1,
        path: '',
        message: `unknown environment ${unknown.map((u) => `"${u}"`).join(', ')} (known: ${known.join(', ')})`,
      },
    ]);
  }
  const env = readEnvironment(root, name);
  return standIns.includes(name) ? asStandIn(env) : env;
}

function readEnvironment(root: string, name: string): Environment {
  const dir = join(root, ENVIRONMENTS_DIR, name);
  const file = join(dir, 'environment.yaml');
  const shown = relative(process.cwd(), file) || file;
  if (!existsSync(file)) {
    const known = listEnvironments(root);
    throw new EnvironmentError([
      {
        file: shown,
        line: 1,
        col: 1,
        path: '',
        message: `unknown environment "${name}"${known.length ? ` (known: ${known.join(', ')})` : ''}`,
      },
    ]);
  }
  const src = parseSource(shown, readFileSync(file, 'utf8'));
  if (src.syntax.length > 0) throw new EnvironmentError(src.syntax);
  const data = src.doc.toJS() as unknown;
  const shape = shapeProblems(data, src);
  if (shape.length > 0) throw new EnvironmentError(shape);
  const raw = data as RawEnvironment;
  const semantic = semanticProblems(raw, src, root, dir, name);
  if (semantic.length > 0) throw new EnvironmentError(semantic);
  const clusters = namedClusters(raw, dir);
  const defaultCluster = (clusters.find((c) => c.default) ?? clusters[0]) as NamedCluster;

  return {
    name: raw.name,
    ...(raw.description ? { description: raw.description } : {}),
    file,
    dir,
    kubernetesVersion: raw.kubernetesVersion.replace(/^v?/, 'v'),
    cluster: defaultCluster.cluster,
    ...(raw.clusters ? { clusters } : {}),
    ...(raw.argocd
      ? {
          argocd: {
            namespace: raw.argocd.namespace ?? 'argocd',
            project: raw.argocd.project ?? 'default',
            controlPlane: raw.argocd.controlPlane ? clusterRef(raw.argocd.controlPlane, dir) : defaultCluster.cluster,
            prune: raw.argocd.prune ?? false,
            selfHeal: raw.argocd.selfHeal ?? false,
          },
        }
      : {}),
    registry: raw.registry === 'local' ? { local: true } : { local: false, url: raw.registry },
    ...(raw.promotesFrom ? { promotesFrom: raw.promotesFrom } : {}),
    gates: { approval: false, sourceHealthy: false, noDrift: false, ...raw.gates },
    releases: raw.releases.map((r, i) => ({
      name: r.name,
      namespace: r.namespace,
      chart:
        typeof r.chart === 'string'
          ? { kind: 'repo', name: r.chart, dir: join(root, 'charts', r.chart) }
          : { kind: 'upstream', name: r.chart.name, repository: r.chart.repository },
      version: r.version,
      values: (r.values ?? []).map((v) => resolve(dir, v)),
      needs: r.needs ?? [],
      at: { file: shown, ...locate(src, ['releases', i]) },
    })),
  };
}

/** Every cluster of an environment; one named after the environment when the file says `cluster:`. */
export function clustersOf(env: Environment): NamedCluster[] {
  return env.clusters ?? [{ name: env.name, labels: {}, default: true, cluster: env.cluster }];
}

/** Loads every environment and checks the promotion chain between them. */
export function loadAll(root: string, o: LoadOptions = {}): Environment[] {
  const envs = listEnvironments(root).map((n) => loadEnvironment(root, n, o));
  const names = new Set(envs.map((e) => e.name));
  const problems: Problem[] = [];
  for (const e of envs) {
    if (e.promotesFrom && !names.has(e.promotesFrom)) {
      const src = parseSource(relative(process.cwd(), e.file), readFileSync(e.file, 'utf8'));
      problems.push({
        file: src.file,
        ...locate(src, ['promotesFrom']),
        path: 'promotesFrom',
        message: `no environment "${e.promotesFrom}" (known: ${[...names].join(', ')})`,
      });
    }
  }
  if (problems.length > 0) throw new EnvironmentError(problems);
  return envs;
}

/** The release named `name`, or an error listing the ones that exist. */
export function findRelease(env: Environment, name: string): Release {
  const r = env.releases.find((x) => x.name === name);
  if (r) return r;
  throw new EnvironmentError([
    {
      file: relative(process.cwd(), env.file),
      line: 1,
      col: 1,
      path: 'releases',
      message: `unknown release "${name}" in ${env.name} (releases: ${env.releases.map((x) => x.name).join(', ')})`,
    },
  ]);
}

/** The repository root: the nearest folder up from `start` holding environments/ and charts/. */
export function findRepoRoot(start = process.cwd()): string {
  let dir = resolve(start);
  for (;;) {
    if (existsSync(join(dir, ENVIRONMENTS_DIR)) && existsSync(join(dir, 'charts'))) return dir;
    const up = resolve(dir, '..');
    if (up === dir) {
      throw new EnvironmentError([
        {
          file: start,
          line: 1,
          col: 1,
          path: '',
          message: 'not inside a kosmos-platform checkout (no environments/ and charts/ above it)',
        },
      ]);
    }
    dir = up;
  }
}
