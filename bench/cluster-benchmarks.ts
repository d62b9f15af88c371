import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseDocument } from 'yaml';
import type { Benchmark, Cmd } from './bench.ts';
import {
  diffOnce,
  installRelease,
  kubectlDiffLoop,
  kubectlFlags,
  makeScene,
  ours,
  type Scene,
  setValue,
  valuesFile,
} from './cluster.ts';

const AGENT_TAG = ['agents', 'athena', 'image', 'tag'];

/** One command, its exit code checked, its wall time and stdout. */
function timed(c: Cmd, ok = [0]): { seconds: number; stdout: string } {
  const t = performance.now();
  const r = spawnSync(c.argv[0] as string, c.argv.slice(1), {
    env: { ...process.env, ...c.env },
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  });
  if (!ok.includes(r.status ?? -1))
    throw new Error(
      `${c.argv.slice(0, 4).join(' ')} … exited ${r.status}: ${(r.stderr ?? '').trim().split('\n').slice(-2).join(' | ')}`,
    );
  return { seconds: (performance.now() - t) / 1000, stdout: r.stdout };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};

/**
 * core-agents with `n` agents in all: the four of the chart's defaults and production's values,
 * and `n - 4` more made like athena (their own image repository).
 */
function writeAgents(scene: Scene, n: number): void {
  const file = valuesFile(scene, 'core-agents');
  const doc = parseDocument(readFileSync(file, 'utf8'));
  const agents = doc.get('agents') as { items: { key: { value: string } }[] };
  for (const item of [...agents.items])
    if (item.key.value.startsWith('bench-agent-')) doc.deleteIn(['agents', item.key.value]);
  for (let i = 1; i <= n - 4; i++) {
    const name = `bench-agent-${String(i).padStart(3, '0')}`;
    doc.setIn(
      ['agents', name],
      doc.createNode({
        image: { registry: 'docker.io', repository: `nuvanta/kosmos-${name}`, tag: 'v2.0.0', digest: '' },
      }),
    );
  }
  writeFileSync(file, String(doc));
}

/**
 * The benchmarks that need the local cluster: the diff of production against the kubectl-diff
 * loop, the scale of core-agents (4, 25, 100 agents) and `pnpm release` with nothing changed.
 * One scene for all of them, made on first use.
 */
export function clusterBenchmarks(repo: string, log: (l: string) => void, scratch: string[]): Benchmark[] {
  let scene: Scene | undefined;
  const getScene = async () => {
    scene ??= await makeScene(repo, log);
    scratch.push(join(scene.root, '..'));
    return scene;
  };
  const cold = () => scene && rmSync(scene.vars.KOSMOS_RENDER_CACHE as string, { recursive: true, force: true });
  const placeholder: Cmd = { argv: ['true'] };

  /** Clean right after a plain helm install: our diff exits 0; what the kubectl loop says. */
  const cleanCheck = (s: Scene, only?: string) => {
    const d = diffOnce(repo, s, only ? ['--release', only] : []);
    if (d.code !== 0)
      throw new Error(
        `false drift: pnpm diff exited ${d.code} right after a plain helm install: ${d.stdout.split('\n').slice(-12).join(' | ')}`,
      );
    return d;
  };

  const diffBench = (name: string, what: string, warm: boolean): Benchmark => {
    const b: Benchmark = {
      name,
      what,
      ours: placeholder,
      baseline: placeholder,
      baselineName: 'per-release `helm template | kubectl diff --server-side --field-manager=helm` loop',
      target: { ratio: 1.0 },
      ...(warm ? {} : { before: cold }),
      prepare: async () => {
        const s = await getScene();
        setValue(s, 'core-agents', AGENT_TAG, 'v2.0.0');
        const clean = cleanCheck(s);
        const k = kubectlFlags(s);
        setValue(s, 'core-agents', AGENT_TAG, 'v2.0.1');
        const changed = diffOnce(repo, s, ['--json']);
        const j = JSON.parse(changed.stdout) as { releases: { objects: { id: string; change: string }[] }[] };
        const shown = j.releases.flatMap((r) => r.objects.filter((o) => o.change !== 'unchanged').map((o) => o.id));
        b.ours = { ...ours(repo, s, 'diff', ['--env', 'production']), ok: [2] };
        b.baseline = kubectlDiffLoop(s);
        return {
          'false drift after plain helm install': clean.code === 0 ? 'none (pnpm diff exit 0)' : `exit ${clean.code}`,
          'kubectl loop after plain helm install': `flags ${k.flagged.length} unchanged release(s) (${k.flagged.join(', ') || '-'}), fails on ${k.failed.length} (${k.failed.join(', ') || '-'})`,
          'changed value': 'core-agents agents.athena.image.tag v2.0.0 → v2.0.1',
          'pnpm diff shows': shown.join(', '),
        };
      },
    };
    return b;
  };

  const scaleBench = (n: number): Benchmark => {
    const b: Benchmark = {
      name: `scale-${n}`,
      what: `diff of core-agents with ${n} agents (one value changed), cold render cache`,
      ours: placeholder,
      baseline: placeholder,
      baselineName: '`helm template core-agents | kubectl diff --server-side --field-manager=helm`',
      ...(n === 100 ? { target: { ratio: 0.7 } } : {}),
      before: cold,
      prepare: async () => {
        const s = await getScene();
        setValue(s, 'core-agents', AGENT_TAG, 'v2.0.0');
        if (n > 16) {
          // kosmos-core's quota allows 20 Services (the seeds'): room for this many agents'
          // Services in the scene's copy only. Pods stay at the seeds' 50 (the extra replicas
          // are refused by the quota, which changes nothing the diff looks at).
          setValue(s, 'platform', ['namespaces', 'kosmos-core', 'quota', 'hard', 'services'], '500');
          installRelease(s, 'platform');
        }
        writeAgents(s, n);
        log(`bench: helm upgrade core-agents with ${n} agents`);
        installRelease(s, 'core-agents');
        cleanCheck(s, 'core-agents');
        setValue(s, 'core-agents', AGENT_TAG, 'v2.0.1');
        b.ours = { ...ours(repo, s, 'diff', ['--env', 'production', '--release', 'core-agents']), ok: [2] };
        b.baseline = kubectlDiffLoop(s, ['core-agents']);
        return {
          'false drift after plain helm upgrade': 'none (pnpm diff exit 0)',
          ...(n > 16 ? { quota: 'kosmos-core Services quota raised to 500 in the scene' } : {}),
        };
      },
      after: () => {
        const s = scene as Scene;
        // Render and lint at this size, three times each from a cold render cache: with the
        // diff's rounds, the cost per object of the three verbs.
        const render: number[] = [];
        const lint: number[] = [];
        let objects = 0;
        let lintObjects = 0;
        let lintRate = 0;
        for (let i = 0; i < 3; i++) {
          cold();
          const r = timed(ours(repo, s, 'render', ['--env', 'production', '--release', 'core-agents', '--no-cache']));
          render.push(r.seconds);
          objects = (r.stdout.match(/^---$/gm) ?? []).length;
          cold();
          const l = timed(
            ours(repo, s, 'lint', ['--env', 'production', '--skip-upstream', '--format', 'json']),
            [0, 1],
          );
          lint.push(l.seconds);
          const j = JSON.parse(l.stdout) as { summary?: { objects: number; objectsPerSecond: number } };
          lintObjects = j.summary?.objects ?? 0;
          lintRate = j.summary?.objectsPerSecond ?? 0;
        }
        return { agents: n, objects, render: median(render), lint: median(lint), lintObjects, lintRate };
      },
    };
    return b;
  };

  const release: Benchmark = {
    name: 'release-noop',
    what: '`pnpm release` with nothing changed (every version already in the registry)',
    ours: placeholder,
    baseline: placeholder,
    baselineName: '`helm push` of each packaged chart',
    target: { seconds: 3 },
    prepare: async () => {
      const s = await getScene();
      const r = JSON.parse(timed(ours(repo, s, 'release', ['--json'])).stdout) as {
        pushed: unknown[];
        skipped: unknown[];
      };
      const out = mkdtempSync(join(tmpdir(), 'kosmos-bench-packages-'));
      scratch.push(out);
      const charts = readdirSync(join(s.root, 'charts'));
      for (const c of charts) timed({ argv: [s.helm, 'package', join(s.root, 'charts', c), '--destination', out] });
      // Pushed under a path of its own: `helm push` overwrites a published version with other
      // bytes without a word (what `pnpm release` refuses to do), and the registry's charts
      // must stay as released for our side's rounds.
      const target = s.registry.replace(/\/charts$/, '/bench-baseline');
      const push = readdirSync(out).map(
        (f) => `'${s.helm}' push '${join(out, f)}' '${target}' --plain-http >/dev/null 2>&1`,
      );
      release.ours = ours(repo, s, 'release', ['--json']);
      release.baseline = { argv: ['bash', '-ec', push.join('\n')], env: s.vars };
      return { 'pushes with nothing changed': `${r.pushed.length} (${r.skipped.length} charts already published)` };
    },
  };

  return [
    diffBench(
      'diff-production',
      'diff of production after a plain `helm install` of each release, one value changed; cold render cache',
      false,
    ),
    diffBench(
      'diff-production-warm',
      'the same diff, render cache warm (every release rendered from the cache after the untimed first run)',
      true,
    ),
    scaleBench(4),
    scaleBench(25),
    scaleBench(100),
    release,
  ];
}
