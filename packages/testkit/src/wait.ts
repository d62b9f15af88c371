import { UserError } from '@kosmos/errors';
import { type DaemonRecord, isOurs, logTail } from './daemon.ts';

export class StartupError extends UserError {
  override name = 'StartupError';
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Polls `check` until it returns true. Fails fast, with the tail of its log, when the daemon
 * being waited on has died; otherwise fails at the deadline with the same tail.
 */
export async function waitFor(
  what: string,
  check: () => Promise<boolean>,
  o: { timeoutMs: number; daemon?: DaemonRecord; intervalMs?: number },
): Promise<void> {
  const deadline = Date.now() + o.timeoutMs;
  let lastError = '';
  for (;;) {
    try {
      if (await check()) return;
    } catch (e) {
      lastError = (e as Error).message;
    }
    if (o.daemon && !isOurs(o.daemon)) {
      throw new StartupError(
        `${o.daemon.name} exited while waiting for ${what}; last lines of ${o.daemon.log}:\n${await logTail(o.daemon.log)}`,
      );
    }
    if (Date.now() > deadline) {
      const tail = o.daemon ? `; last lines of ${o.daemon.log}:\n${await logTail(o.daemon.log)}` : '';
      throw new StartupError(
        `timed out after ${Math.round(o.timeoutMs / 1000)}s waiting for ${what}${lastError ? ` (${lastError})` : ''}${tail}`,
      );
    }
    await sleep(o.intervalMs ?? 200);
  }
}
