import { mkdir, mkdtemp, readdir, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { withLock } from '../src/lock.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Runs `n` holders of the lock at once; returns how many were ever inside together. */
async function mostInsideAtOnce(lock: string, n: number): Promise<number> {
  let inside = 0;
  let most = 0;
  await Promise.all(
    Array.from({ length: n }, () =>
      withLock(lock, async () => {
        inside++;
        most = Math.max(most, inside);
        await sleep(30);
        inside--;
      }),
    ),
  );
  return most;
}

describe('withLock', () => {
  it('runs holders one at a time', async () => {
    const lock = join(await mkdtemp(join(tmpdir(), 'kosmos-lock-')), 'l');
    expect(await mostInsideAtOnce(lock, 4)).toBe(1);
  });

  it('takes over a lock whose owner is dead, once, leaving nothing behind', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'kosmos-lock-'));
    const lock = join(dir, 'l');
    await mkdir(lock);
    // PID 2^22+1 is above Linux's pid_max: no process has it.
    await writeFile(join(lock, 'pid'), String(4_194_305));
    expect(await mostInsideAtOnce(lock, 3)).toBe(1);
    expect(await readdir(dir)).toEqual([]);
  });

  it('treats a lock folder without a pid as stale only after a grace period', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'kosmos-lock-'));
    const lock = join(dir, 'l');
    await mkdir(lock);
    const old = new Date(Date.now() - 60_000);
    await utimes(lock, old, old);
    let ran = false;
    await withLock(lock, async () => {
      ran = true;
    });
    expect(ran).toBe(true);
  });
});
