import { dirname, join } from 'node:path';
import { withLock } from '@kosmos/toolchain';

export interface HeldLock {
  /** Resolves once this test file holds the lock (waits for another file to release it). */
  acquire(): Promise<void>;
  /** Lets the lock go; resolves once it is gone. */
  release(): Promise<void>;
}

/**
 * The platform's namespaces (kosmos-*) and cluster-scoped objects (StorageClasses, ClusterRoles)
 * exist once per cluster, and the releases that own them are named after their charts: two test
 * files installing or cleaning them at once would break each other. Each such file takes this
 * lock for its whole run (acquire in beforeAll, release in afterAll); the lock lives beside the
 * run's kubeconfig, so separate test runs (separate clusters) never wait for each other.
 */
export function platformLock(kubeconfig: string): HeldLock {
  const path = join(dirname(kubeconfig), 'platform-namespaces.lock');
  let release: () => void = () => {};
  const held = new Promise<void>((r) => {
    release = r;
  });
  let acquired: Promise<void> | undefined;
  let finished: Promise<void> = Promise.resolve();
  return {
    acquire() {
      acquired ??= new Promise<void>((ok, fail) => {
        finished = withLock(path, async () => {
          ok();
          await held;
        });
        finished.catch(fail);
      });
      return acquired;
    },
    async release() {
      release();
      await finished.catch(() => {});
    },
  };
}
