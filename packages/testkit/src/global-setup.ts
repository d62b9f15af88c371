import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { repoStateRoot } from '@kosmos/environment';
import { ensure, processAlive } from '@kosmos/toolchain';
import type { TestProject } from 'vitest/node';
import { killNow } from './daemon.ts';
import { down, up } from './local.ts';

/**
 * Brings one local cluster and registry up for the whole `cluster` test project and tears
 * them down after it, also when tests fail or the run is interrupted. Tests get the connection
 * details through `localCluster()` from `@kosmos/testkit/vitest`.
 *
 * Test runs have folders of their own (.kosmos/test/<pid>), so a developer's `pnpm run up`
 * environment is neither reused nor stopped by a test run, nor is another test run's.
 */
/** Stops what runs killed hard (SIGKILL, OOM) left behind, and drops their folders. */
async function reapStaleRuns(base: string): Promise<void> {
  const entries = await readdir(base).catch(() => [] as string[]);
  for (const name of entries) {
    const pid = Number(name);
    if (!Number.isInteger(pid) || processAlive(pid)) continue;
    await down({ stateDir: join(base, name), purgeRegistry: true });
    await rm(join(base, name), { recursive: true, force: true });
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  // One folder per run (named by PID): runs in parallel, in one checkout, never share a cluster.
  const base = process.env.KOSMOS_TEST_STATE_DIR ?? join(repoStateRoot(), 'test');
  await reapStaleRuns(base);
  const stateDir = join(base, String(process.pid));
  const log = (l: string) => process.stderr.write(`[testkit] ${l}\n`);
  const state = await up({ stateDir, log });
  log(`local cluster ${state.kubeVersion} up in ${state.seconds.toFixed(1)}s; registry ${state.registry}`);
  const onExit = () => {
    for (const d of state.daemons) killNow(d);
  };
  const onSignal = (sig: NodeJS.Signals) => {
    onExit();
    process.kill(process.pid, sig);
  };
  process.once('exit', onExit);
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  project.provide('kosmos', {
    kubeconfig: state.kubeconfig,
    registry: state.registry,
    kubectl: state.kubectl,
    helm: await ensure('helm', { log }),
    kubeVersion: state.kubeVersion,
  });

  return async () => {
    process.off('exit', onExit);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await down({ stateDir, purgeRegistry: true });
    await rm(stateDir, { recursive: true, force: true });
  };
}
