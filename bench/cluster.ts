import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Environment, loadEnvironment, standInStateDir, waves } from '@kosmos/environment';
import { templateArgs } from '@kosmos/helm';
import { chartSource, templateInput } from '@kosmos/render';
import { up } from '@kosmos/testkit';
import { ensure } from '@kosmos/toolchain';
import { parseDocument } from 'yaml';

/**
 * The scene of the cluster benchmarks: production, its local stand-in cluster and the local
 * registry of a state folder of the bench's own (never a developer's `pnpm run up`), a copy of
 * the repository's charts and environments to edit values in, every chart released to the
 * registry by `pnpm release`, and each release installed by a plain `helm install`.
 */
export interface Scene {
  root: string;
  stateDir: string;
  /** The variables every command of ours and of the baselines runs with. */
  vars: Record<string, string>;
  kubeconfig: string;
  kubectl: string;
  helm: string;
  registry: string;
  env: Environment;
}

const quote = (a: string) => `'${a.replaceAll("'", "'\\''")}'`;

function run(argv: string[], vars: Record<string, string>, cwd?: string): string {
  const r = spawnSync(argv[0] as string, argv.slice(1), {
    env: { ...process.env, ...vars },
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
    ...(cwd ? { cwd } : {}),
  });
  if (r.status !== 0)
    throw new Error(
      `${argv.slice(0, 3).join(' ')} … exited ${r.status}: ${(r.stderr ?? '').trim().split('\n').slice(-3).join(' | ')}`,
    );
  return r.stdout;
}

/** Our command as a user runs it from the copied repository. */
export function ours(
  repo: string,
  scene: Scene,
  verb: string,
  args: string[],
): { argv: string[]; env: Record<string, string> } {
  return { argv: ['node', join(repo, 'scripts/launch.mjs'), verb, '--root', scene.root, ...args], env: scene.vars };
}

export async function makeScene(repo: string, log: (l: string) => void): Promise<Scene> {
  const base = mkdtempSync(join(tmpdir(), 'kosmos-bench-'));
  const root = join(base, 'repo');
  const stateDir = join(base, 'state');
  for (const d of ['charts', 'environments', '.changeset'])
    cpSync(join(repo, d), join(root, d), {
      recursive: true,
      // Times kept: whether a chart's packaged dependencies are up to date is read from them.
      preserveTimestamps: true,
      filter: (src) => !src.includes('node_modules'),
    });
  for (const f of ['package.json', 'pnpm-workspace.yaml']) cpSync(join(repo, f), join(root, f));
  const vars = {
    KOSMOS_STATE_DIR: stateDir,
    KOSMOS_LOCAL_CLUSTERS: 'production',
    KOSMOS_RENDER_CACHE: join(base, 'render-cache'),
    NO_COLOR: '1',
  };
  // This process loads the scene's environment as the commands will: as production's stand-in,
  // in the bench's own state folder.
  process.env.KOSMOS_STATE_DIR = stateDir;
  log('bench: starting the local registry and production stand-in cluster');
  const local = await up({ stateDir, log });
  const cluster = await up({ stateDir: standInStateDir('production', stateDir), log, registry: local.registry });
  const helm = await ensure('helm');
  const scene: Scene = {
    root,
    stateDir,
    vars,
    kubeconfig: cluster.kubeconfig,
    kubectl: cluster.kubectl,
    helm,
    registry: `oci://${local.registry}/charts`,
    env: loadEnvironment(root, 'production', { standIns: ['production'] }),
  };
  // A render first vendors every chart's dependencies, as any verb would before the release.
  run(ours(repo, scene, 'render', ['--env', 'production', '--from', 'tree']).argv, vars);
  log('bench: pnpm release of every chart into the local registry');
  run(ours(repo, scene, 'release', ['--json']).argv, vars);
  for (const r of waves(scene.env.releases).flat()) {
    log(`bench: helm install ${r.name}`);
    installRelease(scene, r.name);
  }
  return scene;
}

/** A plain `helm upgrade --install` of one release of the scene's production, from the registry. */
export function installRelease(scene: Scene, name: string): void {
  const env = reload(scene);
  const r = env.releases.find((x) => x.name === name);
  if (!r) throw new Error(`no release ${name}`);
  const src = chartSource(env, r, { registryUrl: scene.registry, prefer: 'registry' });
  const input = templateInput(env, r, src);
  const args = templateArgs(input).slice(1); // drop `template`
  // `--kube-version`/`--api-versions` are template-only flags.
  const keep: string[] = [];
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--kube-version' || args[i] === '--api-versions') {
      i++;
      continue;
    }
    keep.push(args[i] as string);
  }
  run([scene.helm, 'upgrade', '--install', ...keep, '--kubeconfig', scene.kubeconfig, '--timeout', '300s'], scene.vars);
}

export function reload(scene: Scene): Environment {
  return loadEnvironment(scene.root, 'production', { standIns: ['production'] });
}

/**
 * The per-release `helm template | kubectl diff --server-side --field-manager=helm` pipelines a
 * user would run instead of `pnpm diff`, in wave order.
 */
function kubectlPipelines(scene: Scene, only?: string[]): { release: string; pipeline: string }[] {
  const env = reload(scene);
  return waves(env.releases)
    .flat()
    .filter((r) => !only || only.includes(r.name))
    .map((r) => {
      // The chart from where our diff takes it (the tree, whose version the pin names): the same
      // helm work on both sides.
      const src = chartSource(env, r, { registryUrl: scene.registry });
      const tpl = [scene.helm, ...templateArgs(templateInput(env, r, src))].map(quote).join(' ');
      const kd = [
        scene.kubectl,
        '--kubeconfig',
        scene.kubeconfig,
        'diff',
        '--server-side',
        '--field-manager=helm',
        '-n',
        r.namespace,
        '-f',
        '-',
      ]
        .map(quote)
        .join(' ');
      return { release: r.name, pipeline: `${tpl} | ${kd}` };
    });
}

/**
 * The loop of those pipelines as one bash script (kubectl diff exits 1 for "differences": not a
 * failure). kubectl refuses some releases (an object in another namespace than -n): a user's loop
 * goes on to the next one, and so does this one; `kubectlFlags` counts them.
 */
export function kubectlDiffLoop(scene: Scene, only?: string[]): { argv: string[]; env: Record<string, string> } {
  const lines = kubectlPipelines(scene, only).map((p) => `${p.pipeline} >/dev/null 2>&1 || true`);
  return { argv: ['bash', '-c', lines.join('\n')], env: scene.vars };
}

/** Sets one value of a release's values file in the scene's copy (keeps the rest of the file). */
export function setValue(scene: Scene, release: string, path: (string | number)[], value: unknown): void {
  const env = reload(scene);
  const file = env.releases.find((r) => r.name === release)?.values[0];
  if (!file) throw new Error(`release ${release} has no values file`);
  const doc = parseDocument(readFileSync(file, 'utf8'));
  doc.setIn(path, value);
  writeFileSync(file, String(doc));
}

export function valuesFile(scene: Scene, release: string): string {
  const file = reload(scene).releases.find((r) => r.name === release)?.values[0];
  if (!file) throw new Error(`release ${release} has no values file`);
  return file;
}

/** Our diff's exit code and summary, for the false-drift check. */
export function diffOnce(
  repo: string,
  scene: Scene,
  args: string[] = [],
): { code: number; stdout: string; stderr: string } {
  const c = ours(repo, scene, 'diff', ['--env', 'production', ...args]);
  const r = spawnSync(c.argv[0] as string, c.argv.slice(1), {
    env: { ...process.env, ...c.env },
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  });
  return { code: r.status ?? 1, stdout: r.stdout, stderr: r.stderr };
}

/** kubectl diff over the loop, counting releases it flags (exit 1) and fails on (exit > 1). */
export function kubectlFlags(scene: Scene): { flagged: string[]; failed: string[] } {
  const flagged: string[] = [];
  const failed: string[] = [];
  for (const { release, pipeline } of kubectlPipelines(scene)) {
    const res = spawnSync('bash', ['-c', `set -o pipefail; ${pipeline} >/dev/null`], {
      env: { ...process.env, ...scene.vars },
    });
    if (res.status === 1) flagged.push(release);
    else if (res.status !== 0) failed.push(release);
  }
  return { flagged, failed };
}
