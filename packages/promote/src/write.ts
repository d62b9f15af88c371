import { constants } from 'node:fs';
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { hostname } from 'node:os';
import { dirname, join } from 'node:path';
import { EXIT, UserError } from '@kosmos/cli';
import type { Planned } from './promote.ts';
import { sha256 } from './promote.ts';

/** Exit code of a refused promotion (a gate, a lock held, a file changed): nothing was written. */
export const REFUSED = EXIT.refused;

/** A promotion that stops before writing anything, naming why. */
export class PromotionRefused extends UserError {
  override name = 'PromotionRefused';
  constructor(
    readonly gate: string,
    message: string,
  ) {
    super(message, REFUSED);
  }
}

/** The lock of promotions into one environment: `.kosmos/locks/promote-<env>.lock` in the repository. */
export const lockPath = (root: string, env: string) => join(root, '.kosmos', 'locks', `promote-${env}.lock`);

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Takes the lock with O_CREAT|O_EXCL: of two promotions into the same environment, the second
 * is refused at once (it never waits: its plan was computed against files the first may be
 * changing). A lock left by a process of this host that no longer runs is removed first.
 */
async function takeLock(path: string, what: string): Promise<() => Promise<void>> {
  await mkdir(dirname(path), { recursive: true });
  for (let attempt = 0; ; attempt++) {
    try {
      const fh = await open(path, constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY, 0o644);
      await fh.writeFile(
        `${JSON.stringify({ pid: process.pid, host: hostname(), since: new Date().toISOString(), what })}\n`,
      );
      await fh.close();
      return () => rm(path, { force: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const holder = await readFile(path, 'utf8')
        .then((t) => JSON.parse(t) as { pid?: number; host?: string; since?: string; what?: string })
        .catch(() => undefined);
      if (attempt === 0 && holder?.pid && holder.host === hostname() && !alive(holder.pid)) {
        await rm(path, { force: true });
        continue;
      }
      throw new PromotionRefused(
        'lock',
        `another promotion holds ${path}${holder ? ` (${holder.what ?? '?'}, pid ${holder.pid} on ${holder.host}, since ${holder.since})` : ''}; nothing written`,
      );
    }
  }
}

async function hashOf(path: string): Promise<string | undefined> {
  return readFile(path, 'utf8').then(sha256, () => undefined);
}

/**
 * Writes a plan's files: under the target's lock, each file's content is checked against the
 * hash the plan was computed from (all of the target's files, not only those written), then every
 * new file is written beside its original, the hashes are checked once more, and each temp file
 * is renamed over its original. Any mismatch refuses and leaves every file as it was. Temp file + rename is
 * done here rather than with `writeAtomic`, because the check must sit between the two.
 */
export async function writePromotion(root: string, p: Planned): Promise<string[]> {
  if (p.plan.refused) throw new PromotionRefused('gates', 'the plan was refused; nothing written');
  const unlock = await takeLock(lockPath(root, p.plan.target), `${p.plan.source} -> ${p.plan.target}`);
  const temps: string[] = [];
  try {
    const changed = async () => {
      for (const [file, hash] of Object.entries(p.inputs.target.files)) {
        if ((await hashOf(join(root, file))) !== hash) return file;
      }
      return undefined;
    };
    const before = await changed();
    if (before) throw new PromotionRefused('unchanged', `${before} changed since the plan was made; nothing written`);
    const staged: [string, string][] = [];
    for (const [file, text] of p.texts) {
      const path = join(root, file);
      const temp = `${path}.promote-${process.pid}.tmp`;
      const fh = await open(temp, constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY, 0o644);
      temps.push(temp);
      try {
        await fh.writeFile(text);
        await fh.sync();
      } finally {
        await fh.close();
      }
      staged.push([temp, path]);
    }
    const last = await changed();
    if (last) throw new PromotionRefused('unchanged', `${last} changed since the plan was made; nothing written`);
    const written: string[] = [];
    for (const [temp, path] of staged) {
      await rename(temp, path);
      written.push(path);
    }
    return written.map((w) => w.slice(root.length + 1));
  } finally {
    await Promise.all(temps.map((t) => rm(t, { force: true })));
    await unlock();
  }
}
