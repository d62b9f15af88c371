import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';

/** A process the local environment runs: enough to find it again and to stop it safely. */
export interface LocalProcess {
  name: string;
  pid: number;
  bin: string;
  log: string;
}

/**
 * What `pnpm run up` leaves in `<stateDir>/state.json`: how to reach the local cluster and
 * registry that environments with `cluster: {local: true}` / `registry: local` use.
 */
export interface LocalState {
  version: 1;
  kubeconfig: string;
  server: string;
  kubeVersion: string;
  kubectl: string;
  registry: string;
  daemons: LocalProcess[];
  startedAt: string;
}

/** The repository's `.kosmos/` folder, found from this file (commands run from anywhere). */
export function repoStateRoot(): string {
  return resolve(dirname(new URL(import.meta.url).pathname), '../../../.kosmos');
}

/** Where `pnpm run up` keeps its state: `.kosmos/local`, or KOSMOS_STATE_DIR. */
export function defaultStateDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.KOSMOS_STATE_DIR ? resolve(env.KOSMOS_STATE_DIR) : join(repoStateRoot(), 'local');
}

export const stateFile = (dir: string) => join(dir, 'state.json');

/** The local environment's state, or undefined when `pnpm run up` has not run. */
export async function readState(stateDir: string): Promise<LocalState | undefined> {
  try {
    return JSON.parse(await readFile(stateFile(stateDir), 'utf8')) as LocalState;
  } catch {
    return undefined;
  }
}
