import { mkdir, readFile, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { writeAtomic } from '@kosmos/cli';
import { type LocalState, readState, stateFile } from '@kosmos/environment';
import { startCluster } from './cluster.ts';
import { type DaemonRecord, isOurs, stopDaemon } from './daemon.ts';
import { get } from './http.ts';
import { startRegistry } from './registry.ts';

export interface UpOptions {
  stateDir: string;
  log?: (line: string) => void;
  timeoutMs?: number;
  /**
   * `host:port` of a registry that is already running (the local environment's): start only a
   * cluster and record this registry. How stand-in clusters share the one local registry.
   */
  registry?: string;
}

export interface UpResult extends LocalState {
  reused: boolean;
  seconds: number;
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
  let registry: { host: string; daemon?: DaemonRecord };
  try {
    registry = o.registry
      ? { host: o.registry }
      : await startRegistry({ dir: o.stateDir, dataDir: join(o.stateDir, 'registry-data'), log });
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
    daemons: [...cluster.daemons, ...(registry.daemon ? [registry.daemon] : [])],
    startedAt: new Date().toISOString(),
  };
  await writeAtomic(stateFile(o.stateDir), `${JSON.stringify(state, null, 2)}\n`);
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
