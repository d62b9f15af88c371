import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

/** Whether a process with this PID exists (owned by anyone). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** A lock folder whose owner never wrote its pid (killed in between) is stale after this. */
const NO_PID_GRACE_MS = 10_000;

/** Whether the lock at `path` belongs to nobody alive. */
async function isStale(path: string): Promise<boolean> {
  const pid = Number(await readFile(join(path, 'pid'), 'utf8').catch(() => '0'));
  if (pid) return !processAlive(pid);
  const made = await stat(path).then(
    (st) => st.mtimeMs,
    () => Date.now(),
  );
  return Date.now() - made > NO_PID_GRACE_MS;
}

/**
 * Serialises work on one thing across processes (a test run and `pnpm run up` building the same
 * tool, parallel test files vendoring the same chart's dependencies). `mkdir` takes the lock
 * atomically. A stale lock is moved aside with `rename`, which only one waiter can win, so two
 * waiters never both take over a dead owner's lock.
 */
export async function withLock<T>(path: string, fn: () => Promise<T>, onWait?: () => void): Promise<T> {
  await mkdir(dirname(path), { recursive: true });
  let told = false;
  for (;;) {
    try {
      await mkdir(path);
      await writeFile(join(path, 'pid'), String(process.pid));
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      if (await isStale(path)) {
        const aside = `${path}.stale-${process.pid}-${Date.now()}`;
        const moved = await rename(path, aside).then(
          () => true,
          () => false,
        );
        // Between the check and the rename another waiter may have replaced the stale lock with
        // its own live one: what was moved aside is checked again and a live lock goes back.
        if (moved && !(await isStale(aside))) await rename(aside, path).catch(() => {});
        await rm(aside, { recursive: true, force: true });
        continue;
      }
      if (!told) {
        onWait?.();
        told = true;
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  try {
    return await fn();
  } finally {
    await rm(path, { recursive: true, force: true });
  }
}
