import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { startCluster } from './cluster.ts';
import { type DaemonRecord, isOurs, stopDaemon } from './daemon.ts';
import { get } from './http.ts';
import { startRegistry } from './registry.ts';

/** What `up` leaves behind in `<stateDir>/state.json` for the next `up`, `down` and the tests. */
export interface LocalState {
  version: 1;
  kubeconfig: string;
  server: string;
  kubeVersion: string;
  kubectl: string;
  registry: string;
  daemons: DaemonRecord[];
  startedAt: string;
}

export interface UpOptions {
  stateDir: string;
  log?: (line: string) => void;
  timeoutMs?: number;
}

export interface UpResult extends LocalState {
  reused: boolean;
  seconds: number;
}

/** The repository's `.kosmos/` folder, found from this file (scripts run from anywhere). */
export function repoStateRoot(): string {
  return resolve(dirname(new URL(import.meta.url).pathname), '../../../.kosmos');
}

export function defaultStateDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.KOSMOS_STATE_DIR ? resolve(env.KOSMOS_STATE_DIR) : join(repoStateRoot(), 'local');
}

const stateFile = (dir: string) => join(dir, 'state.json');

export async function readState(stateDir: string): Promise<LocalState | undefined> {
  try {
    return JSON.parse(await readFile(stateFile(stateDir), 'utf8')) as LocalState;
  } catch {
    return undefined;
  }
}

async function writeState(stateDir: string, s: LocalState): Promise<void> {
  const tmp = `${stateFile(stateDir)}.tmp-${process.pid}`;
  await writeFile(tmp, `${JSON.stringify(s, null, 2)}\n`);
  await rename(tmp, stateFile(stateDir));
}

/** True when every process of a recorded environment still runs and answers. */
export async function isHealthy(s: LocalState): Promise<boolean> {
  if (!s.daemons.every(isOurs)) return false;
  try {
    const tls = {
      ca: await readFile(join(dirname(s.kubeconfig), 'pki', 'ca.crt'), 'utf8'),
      cert: await readFile(join(dirname(s.kubeconfig), 'pki', 'admin.crt'), 'utf8'),
      key: await readFile(join(dirname(s.kubeconfig), 'pki', 'admin.key'), 'utf8'),
    };
    const [api, reg] = await Promise.all([get(`${s.server}/readyz`, tls), get(`http://${s.registry}/v2/`)]);
    return api.status === 200 && reg.status === 200;
  } catch {
    return false;
  }
}

/**
 * Brings the local cluster and registry up, or reuses them when a previous `up` left them
 * running and healthy. A half-alive environment is stopped and started afresh.
 */
export async function up(o: UpOptions): Promise<UpResult> {
  const started = Date.now();
  const log = o.log ?? (() => {});
  await mkdir(o.stateDir, { recursive: true });
  const prev = await readState(o.stateDir);
  if (prev && (await isHealthy(prev))) {
    return { ...prev, reused: true, seconds: (Date.now() - started) / 1000 };
  }
  if (prev) {
    log('a previous local environment is only partly running: restarting it');
    await stopAll(prev.daemons);
  }
  const cluster = await startCluster({ dir: join(o.stateDir, 'cluster'), log, timeoutMs: o.timeoutMs });
  let registry: Awaited<ReturnType<typeof startRegistry>>;
  try {
    registry = await startRegistry({ dir: o.stateDir, dataDir: join(o.stateDir, 'registry-data'), log });
  } catch (e) {
    await stopAll(cluster.daemons);
    throw e;
  }
  const state: LocalState = {
    version: 1,
    kubeconfig: cluster.kubeconfig,
    server: cluster.server,
    kubeVersion: cluster.kubeVersion,
    kubectl: cluster.kubectl,
    registry: registry.host,
    daemons: [...cluster.daemons, registry.daemon],
    startedAt: new Date().toISOString(),
  };
  await writeState(o.stateDir, state);
  return { ...state, reused: false, seconds: (Date.now() - started) / 1000 };
}

/** Stops in reverse start order, so controllers never spin against a vanished API server. */
async function stopAll(daemons: DaemonRecord[]): Promise<void> {
  for (const d of [...daemons].reverse()) await stopDaemon(d);
}

export interface DownResult {
  stopped: DaemonRecord[];
  alreadyGone: DaemonRecord[];
}

/** Stops everything `up` started (checked by PID and binary) and discards the cluster state. */
export async function down(o: { stateDir: string; purgeRegistry?: boolean }): Promise<DownResult> {
  const s = await readState(o.stateDir);
  if (!s) return { stopped: [], alreadyGone: [] };
  const running = s.daemons.filter(isOurs);
  await stopAll(running);
  await rm(join(o.stateDir, 'cluster'), { recursive: true, force: true });
  await rm(stateFile(o.stateDir), { force: true });
  if (o.purgeRegistry) await rm(join(o.stateDir, 'registry-data'), { recursive: true, force: true });
  return { stopped: running, alreadyGone: s.daemons.filter((d) => !running.includes(d)) };
}
