import { join } from 'node:path';
import { ensure } from '@kosmos/toolchain';
import type { TestProject } from 'vitest/node';
import { killNow } from './daemon.ts';
import { down, type LocalState, readState, repoStateRoot, up } from './local.ts';

/**
 * Brings one local cluster and registry up for the whole `cluster` test project and tears
 * them down after it, also when tests fail or the run is interrupted. Tests get the connection
 * details through `localCluster()` from `@kosmos/testkit/vitest`.
 *
 * The test environment has a folder of its own (.kosmos/test), so a developer's `pnpm run up`
 * environment is neither reused nor stopped by a test run.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const stateDir = process.env.KOSMOS_TEST_STATE_DIR ?? join(repoStateRoot(), 'test');
  // A run killed hard last time may have left processes; never reuse them, start clean.
  await down({ stateDir, purgeRegistry: true });
  const log = (l: string) => process.stderr.write(`[testkit] ${l}\n`);
  const state = await up({ stateDir, log });
  log(`local cluster ${state.kubeVersion} up in ${state.seconds.toFixed(1)}s; registry ${state.registry}`);
  const killAll = (s: LocalState) => () => {
    for (const d of s.daemons) killNow(d);
  };
  const onExit = killAll(state);
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
    const current = await readState(stateDir);
    if (current) await down({ stateDir, purgeRegistry: true });
  };
}
