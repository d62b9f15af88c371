import { join } from 'node:path';
import { buildComponent, type Log } from './build.ts';
import { type Component, componentOf, type ToolName } from './catalog.ts';
import { ToolchainError } from './errors.ts';
import { withLock } from './lock.ts';
import { cacheRoot, componentDir } from './paths.ts';
import { findInDirs, pathDirs, probeVersion } from './probe.ts';

export type Source = 'KUBEBUILDER_ASSETS' | 'PATH' | 'cache' | 'built';

export interface Resolved {
  tool: ToolName;
  path: string;
  version: string;
  source: Source;
  /** Candidates seen and passed over, with why: doctor shows them. */
  rejected: { path: string; version: string | undefined; reason: string }[];
}

export interface EnsureOptions {
  env?: NodeJS.ProcessEnv;
  log?: Log;
  /** Only look; never build. */
  noBuild?: boolean;
}

/** Tools envtest's KUBEBUILDER_ASSETS folder is expected to hold. */
const ENVTEST_TOOLS: ReadonlySet<ToolName> = new Set(['etcd', 'kube-apiserver', 'kubectl']);

const memo = new Map<string, Promise<Resolved>>();

/**
 * Returns a usable binary for `tool`: KUBEBUILDER_ASSETS (control plane), then PATH, when the
 * version found there is one we accept; then our per-version cache; else builds it there.
 */
export function ensure(tool: ToolName, opts: EnsureOptions = {}): Promise<string> {
  return resolveTool(tool, opts).then((r) => r.path);
}

export function resolveTool(tool: ToolName, opts: EnsureOptions = {}): Promise<Resolved> {
  const env = opts.env ?? process.env;
  const key = `${tool}\0${env.PATH}\0${env.XDG_CACHE_HOME}\0${env.KUBEBUILDER_ASSETS}\0${opts.noBuild}`;
  let p = memo.get(key);
  if (!p) {
    p = locate(tool, env, opts.log ?? ((l) => process.stderr.write(`${l}\n`)), opts.noBuild ?? false);
    memo.set(key, p);
    p.catch(() => memo.delete(key));
  }
  return p;
}

async function locate(tool: ToolName, env: NodeJS.ProcessEnv, log: Log, noBuild: boolean): Promise<Resolved> {
  const c = componentOf(tool);
  const rejected: Resolved['rejected'] = [];
  const consider = async (paths: string[], source: Source): Promise<Resolved | undefined> => {
    for (const path of paths) {
      const version = await probeVersion(tool, path);
      if (version && c.accepts(version)) return { tool, path, version, source, rejected };
      rejected.push({ path, version, reason: `needs ${c.requirement}` });
    }
    return undefined;
  };

  if (ENVTEST_TOOLS.has(tool) && env.KUBEBUILDER_ASSETS) {
    const hit = await consider(await findInDirs([tool], [env.KUBEBUILDER_ASSETS]), 'KUBEBUILDER_ASSETS');
    if (hit) return hit;
  }
  const names = c.pathAliases?.[tool] ?? [tool];
  const onPath = await consider(await findInDirs(names, pathDirs(env)), 'PATH');
  if (onPath) return onPath;

  const cached = await fromCache(tool, c, env);
  if (cached) return { tool, path: cached, version: c.version, source: 'cache', rejected };
  if (noBuild) {
    throw new ToolchainError(
      `${tool} is not installed: none on PATH${rejected.length ? ' that fits' : ''} and none in ${cacheRoot(env)}; run \`pnpm run tools\` to build ${c.id} ${c.version}, or put ${c.requirement} on PATH`,
    );
  }
  await withLock(
    join(cacheRoot(env), 'locks', `${c.id}-${c.version}`),
    async () => {
      if (!(await fromCache(tool, c, env))) await buildComponent(c, log, env);
    },
    () => log(`waiting for another process that is building ${c.id} ${c.version}`),
  );
  const built = await fromCache(tool, c, env);
  if (!built) throw new ToolchainError(`building ${c.id} ${c.version} did not produce ${tool}`);
  return { tool, path: built, version: c.version, source: 'built', rejected };
}

async function fromCache(tool: ToolName, c: Component, env: NodeJS.ProcessEnv): Promise<string | undefined> {
  const [hit] = await findInDirs([tool], [componentDir(c.id, c.version, env)]);
  return hit;
}
