import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { listEnvironments, loadEnvironment } from '@kosmos/environment';
import { templateArgs } from '@kosmos/helm';
import { chartSource, templateInput } from '@kosmos/render';
import { down } from '@kosmos/testkit';
import { ensure } from '@kosmos/toolchain';
import { clusterBenchmarks } from './cluster-benchmarks.ts';

/** One command: argv, extra environment. Run with its output discarded; a failure stops the bench. */
export interface Cmd {
  argv: string[];
  env?: Record<string, string>;
  /** Exit codes that are not a failure (`pnpm diff` exits 2 for drift). Default: 0. */
  ok?: number[];
}

/**
 * A benchmark: ours against what a user would run instead, each timed in turn for `rounds`
 * rounds (alternating, so a busy machine hurts both alike). `before` runs untimed before each
 * timed run of either side (a cold cache, say). Adding one is one entry in `benchmarks()`.
 */
export interface Benchmark {
  name: string;
  what: string;
  ours: Cmd;
  baseline: Cmd;
  baselineName: string;
  before?: () => void;
  /**
   * Runs once, untimed, before the rounds: brings up the scene a benchmark needs (a cluster with
   * releases installed, a value changed). May fill in `ours` and `baseline`, and returns facts
   * for the results (a false-drift check, say).
   */
  prepare?: () => Promise<Record<string, unknown> | undefined>;
  /** Runs once after the rounds: more measurements for the results (objects, per-object cost). */
  after?: () => Record<string, unknown> | undefined;
  /** A target on the ratio ours/baseline (≤), or on ours alone in seconds. */
  target?: { ratio?: number; seconds?: number };
  /** Why it is not run yet (a verb that has not landed): listed in RESULTS.md as a slot. */
  pending?: string;
}

export interface Stats {
  median: number;
  min: number;
  max: number;
  runs: number[];
}

export interface Result {
  name: string;
  what: string;
  baselineName: string;
  ours?: Stats;
  baseline?: Stats;
  ratio?: number;
  /** CPU seconds (user + system, children included), where GNU time is there to say. */
  oursCpu?: Stats;
  baselineCpu?: Stats;
  cpuRatio?: number;
  met?: boolean;
  target?: Benchmark['target'];
  pending?: string;
  /** What `prepare` and `after` found (false drift, objects, per-object cost ...). */
  facts?: Record<string, unknown>;
}

// GNU time reports the CPU seconds of the command and everything it waited for (helm included):
// on a machine shared with others, CPU time says what wall time cannot.
const GNU_TIME = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;

interface Timing {
  wall: number;
  cpu?: number;
}

function time(c: Cmd, cwd: string): Timing {
  const t = performance.now();
  const argv = GNU_TIME ? [GNU_TIME, '-f', 'KOSMOS_TIME %U %S', ...c.argv] : c.argv;
  const r = spawnSync(argv[0] as string, argv.slice(1), {
    cwd,
    env: { ...process.env, ...c.env },
    stdio: ['ignore', 'ignore', 'pipe'],
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  const wall = (performance.now() - t) / 1000;
  const m = /KOSMOS_TIME ([\d.]+) ([\d.]+)\s*$/.exec(r.stderr ?? '');
  if (!(c.ok ?? [0]).includes(r.status ?? -1))
    throw new Error(
      `${c.argv.slice(0, 4).join(' ')} … exited ${r.status}: ${(r.stderr ?? '')
        .replace(/KOSMOS_TIME .*$/, '')
        .trim()
        .split('\n')
        .slice(-2)
        .join(' | ')}`,
    );
  return m ? { wall, cpu: Number(m[1]) + Number(m[2]) } : { wall };
}

export function stats(runs: number[]): Stats {
  const s = [...runs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  const median = s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
  return { median, min: s[0] as number, max: s[s.length - 1] as number, runs };
}

export function runBenchmark(
  b: Benchmark,
  cwd: string,
  rounds: number,
  log: (l: string) => void,
  facts?: Record<string, unknown>,
): Result {
  const base = {
    name: b.name,
    what: b.what,
    baselineName: b.baselineName,
    ...(b.target ? { target: b.target } : {}),
    ...(facts ? { facts } : {}),
  };
  if (b.pending) return { ...base, pending: b.pending };
  const ours: Timing[] = [];
  const baseline: Timing[] = [];
  // One untimed run of each first: the launcher's bundle, helm's chart dependencies.
  b.before?.();
  time(b.ours, cwd);
  time(b.baseline, cwd);
  for (let i = 0; i < rounds; i++) {
    b.before?.();
    ours.push(time(b.ours, cwd));
    b.before?.();
    baseline.push(time(b.baseline, cwd));
    const [o, bl] = [ours.at(-1), baseline.at(-1)];
    log(
      `${b.name} round ${i + 1}/${rounds}: ours ${o?.wall.toFixed(3)}s (cpu ${o?.cpu?.toFixed(2) ?? '?'}s), ${b.baselineName} ${bl?.wall.toFixed(3)}s (cpu ${bl?.cpu?.toFixed(2) ?? '?'}s)`,
    );
  }
  const o = stats(ours.map((x) => x.wall));
  const bl = stats(baseline.map((x) => x.wall));
  const ratio = o.median / bl.median;
  const cpu = ours.every((x) => x.cpu !== undefined) && baseline.every((x) => x.cpu !== undefined);
  const oc = cpu ? stats(ours.map((x) => x.cpu as number)) : undefined;
  const bc = cpu ? stats(baseline.map((x) => x.cpu as number)) : undefined;
  const met =
    b.target === undefined
      ? undefined
      : (b.target.ratio === undefined || ratio <= b.target.ratio) &&
        (b.target.seconds === undefined || o.median <= b.target.seconds);
  return {
    ...base,
    ours: o,
    baseline: bl,
    ratio,
    ...(oc && bc ? { oursCpu: oc, baselineCpu: bc, cpuRatio: oc.median / bc.median } : {}),
    ...(met === undefined ? {} : { met }),
  };
}

/** The sequential `helm template` loop over the same releases, values and flags as our render. */
async function helmLoop(root: string, envs: string[]): Promise<Cmd> {
  const helm = await ensure('helm');
  const lines: string[] = [];
  for (const name of envs) {
    const env = loadEnvironment(root, name);
    for (const r of env.releases) {
      if (r.chart.kind !== 'repo') continue; // upstream skipped, as `--skip-upstream`
      const args = templateArgs(templateInput(env, r, chartSource(env, r, { prefer: 'tree' })));
      lines.push([helm, ...args].map((a) => `'${a.replaceAll("'", "'\\''")}'`).join(' '));
    }
  }
  return { argv: ['bash', '-ec', lines.map((l) => `${l} >/dev/null`).join('\n')] };
}

export async function benchmarks(
  root: string,
  log: (l: string) => void = () => {},
  scratch: string[] = [],
): Promise<Benchmark[]> {
  const envs = listEnvironments(root);
  const cacheDir = mkdtempSync(join(tmpdir(), 'kosmos-bench-cache-'));
  scratch.push(cacheDir);
  const cache = { KOSMOS_RENDER_CACHE: cacheDir };
  const renderAll: Cmd = {
    argv: ['node', 'scripts/launch.mjs', 'render', '--all', '--skip-upstream', '--from', 'tree'],
    env: cache,
  };
  const loop = await helmLoop(root, envs);
  return [
    {
      name: 'startup',
      what: '`pnpm render --help`',
      ours: { argv: ['pnpm', '--silent', 'render', '--help'] },
      baseline: { argv: ['pnpm', '--version'] },
      baselineName: '`pnpm --version` (pnpm alone)',
      target: { seconds: 0.45 },
    },
    {
      name: 'startup-node',
      what: '`node scripts/launch.mjs render --help` (no pnpm)',
      ours: { argv: ['node', 'scripts/launch.mjs', 'render', '--help'] },
      baseline: { argv: ['node', '-e', '0'] },
      baselineName: '`node -e 0`',
    },
    {
      name: 'render-cold',
      what: `render ${envs.join(', ')} in one invocation, empty render cache`,
      ours: renderAll,
      baseline: loop,
      baselineName: 'sequential `helm template` loop',
      before: () => rmSync(cacheDir, { recursive: true, force: true }),
      target: { ratio: 1.0 },
    },
    {
      name: 'render-warm',
      what: `render ${envs.join(', ')} in one invocation, nothing changed (warm cache)`,
      ours: renderAll,
      baseline: loop,
      baselineName: 'sequential `helm template` loop',
      target: { ratio: 0.4 },
    },
    ...clusterBenchmarks(root, log, scratch),
  ];
}

function tool(argv: string[]): string {
  const r = spawnSync(argv[0] as string, argv.slice(1), { encoding: 'utf8' });
  return (r.stdout || r.stderr || '').trim().split('\n')[0] ?? '?';
}

export async function machine(): Promise<Record<string, string>> {
  const helm = await ensure('helm');
  return {
    cores: String(cpus().length),
    cpu: cpus()[0]?.model ?? '?',
    memory: `${(totalmem() / 2 ** 30).toFixed(1)} GiB`,
    node: process.version,
    pnpm: tool(['pnpm', '--version']),
    helm: tool([helm, 'version', '--short']),
    load: tool(['cat', '/proc/loadavg']),
  };
}

const f = (s?: number) => (s === undefined ? '—' : `${s.toFixed(3)} s`);

export function resultsMarkdown(results: Result[], m: Record<string, string>, rounds: number, when: string): string {
  // A `|` inside a cell (a shell pipe in a baseline's name) would end the cell.
  const cell = (t: string) => t.replaceAll('|', '\\|');
  const rows = results.map((r) =>
    r.pending
      ? `| ${r.name} | ${r.what} | — | — | — | — | ${cell(r.baselineName)} | slot: ${r.pending} |`
      : `| ${r.name} | ${r.what} | ${f(r.ours?.median)} (${f(r.ours?.min)}–${f(r.ours?.max)}) | ${f(r.baseline?.median)} (${f(r.baseline?.min)}–${f(r.baseline?.max)}) | ${r.ratio?.toFixed(2)}× | ${r.cpuRatio === undefined ? '—' : `${f(r.oursCpu?.median)} / ${f(r.baselineCpu?.median)} = ${r.cpuRatio.toFixed(2)}×`} | ${cell(r.baselineName)} | ${r.target ? `${r.target.ratio !== undefined ? `≤ ${r.target.ratio}×` : `≤ ${r.target.seconds} s`}: ${r.met ? 'met' : 'missed'}` : '—'} |`,
  );
  return [
    '# `pnpm bench` results',
    '',
    `Measured ${when}, ${rounds} rounds each (ours and the baseline alternating), median (min–max).`,
    'CPU is user + system seconds of the command and its children (helm included), from GNU time.',
    '',
    ...Object.entries(m).map(([k, v]) => `- ${k}: ${v}`),
    '',
    '| benchmark | what | ours (wall) | baseline (wall) | ratio | CPU ours / baseline | baseline is | target (on wall time) |',
    '|---|---|---|---|---|---|---|---|',
    ...rows,
    '',
    ...factsMarkdown(results),
    ...scaleMarkdown(results),
  ].join('\n');
}

function factsMarkdown(results: Result[]): string[] {
  const withFacts = results.filter((r) => r.facts && !r.name.startsWith('scale-'));
  if (withFacts.length === 0) return [];
  return [
    '## What each benchmark checked',
    '',
    ...withFacts.flatMap((r) => Object.entries(r.facts ?? {}).map(([k, v]) => `- ${r.name}: ${k}: ${String(v)}`)),
    '',
  ];
}

interface ScaleFacts {
  agents: number;
  objects: number;
  render: number;
  lint: number;
  lintObjects: number;
  lintRate: number;
}

/**
 * Scale: render + lint + diff of core-agents at each size, cost per object (the three verbs'
 * seconds over the objects they handled), the marginal cost per added object between sizes, and
 * lint's layers 3+4 rate.
 */
export function scaleMarkdown(results: Result[]): string[] {
  const rows = results
    .filter((r) => r.name.startsWith('scale-') && r.facts && r.ours)
    .map((r) => ({ ...(r.facts as unknown as ScaleFacts), diff: r.ours?.median as number }));
  if (rows.length === 0) return [];
  const total = (x: (typeof rows)[number]) => x.render + x.lint + x.diff;
  const handled = (x: (typeof rows)[number]) => 2 * x.objects + x.lintObjects;
  const per = (x: (typeof rows)[number]) => (1000 * total(x)) / handled(x);
  const first = rows[0] as (typeof rows)[number];
  const last = rows.at(-1) as (typeof rows)[number];
  const ratio = per(last) / per(first);
  const lines = rows.map((x, i) => {
    const prev = rows[i - 1];
    const marginal = prev ? `${((1000 * (total(x) - total(prev))) / (handled(x) - handled(prev))).toFixed(2)} ms` : '—';
    return `| ${x.agents} | ${x.objects} | ${x.render.toFixed(2)} s | ${x.lint.toFixed(2)} s (${x.lintObjects} objects) | ${x.diff.toFixed(2)} s | ${per(x).toFixed(2)} ms | ${marginal} | ${x.lintRate} |`;
  });
  return [
    '## Scale: core-agents with 4, 25 and 100 agents',
    '',
    'render (`--release core-agents`, `--no-cache`) and lint (production, all its releases) are medians of 3 runs',
    "from a cold render cache; diff is the scale row's median above. Per object: the three verbs' seconds",
    'over the objects they handled (core-agents rendered, linted objects, core-agents diffed).',
    '',
    '| agents | core-agents objects | render | lint | diff | per object | per added object | lint layers 3+4 objects/s |',
    '|---|---|---|---|---|---|---|---|',
    ...lines,
    '',
    `Per object at ${last.agents} agents: ${ratio.toFixed(2)}× that at ${first.agents} (target ≤ 1.5×: ${ratio <= 1.5 ? 'met' : 'missed'}); lint layers 3+4 at ${last.agents} agents: ${last.lintRate} objects/s (target ≥ 5,000: ${last.lintRate >= 5000 ? 'met' : 'missed'}).`,
    '',
  ];
}

/** Stops any local cluster and registry a benchmark started under these folders, then removes them. */
export async function stopScenes(folders: readonly string[]): Promise<void> {
  for (const f of new Set(folders)) {
    for (const state of [join(f, 'state', 'production'), join(f, 'state')])
      if (existsSync(join(state, 'state.json'))) await down({ stateDir: state, purgeRegistry: true }).catch(() => {});
    rmSync(f, { recursive: true, force: true });
  }
}
