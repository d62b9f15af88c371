import { homedir } from 'node:os';
import { join } from 'node:path';

/** Where built tools live: per version, outside any clone, so every checkout reuses them. */
export function cacheRoot(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(base, 'kosmos-platform');
}

export function componentDir(id: string, version: string, env?: NodeJS.ProcessEnv): string {
  return join(cacheRoot(env), 'tools', id, version);
}
