/** Writing rendered output: each file to a temp file beside it, then renamed into place. */
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { writeAtomic } from '@kosmos/cli';

/** Lists what the last render wrote, so a re-render can remove files that are no longer produced. */
export const MANIFEST = '.rendered-files';

/**
 * Writes `files` (relative path -> content) under `dir`. Files are written 0600: the install scripts
 * set the final modes on the node. Files listed by the previous render but absent now are removed.
 */
export async function writeOutput(
  dir: string,
  files: Map<string, string>,
): Promise<{ written: number; removed: string[] }> {
  for (const rel of files.keys())
    if (rel.startsWith('/') || rel.split('/').includes('..') || rel === MANIFEST)
      throw new Error(`refusing to write outside ${dir}: ${rel}`);
  let previous: string[] = [];
  try {
    previous = (await readFile(join(dir, MANIFEST), 'utf8')).split('\n').filter(Boolean);
  } catch {
    previous = [];
  }
  for (const [rel, content] of files) await writeAtomic(join(dir, ...rel.split('/')), content, 0o600);
  const removed = previous.filter((p) => !files.has(p) && !p.startsWith('/') && !p.split('/').includes('..'));
  for (const rel of removed) await rm(join(dir, ...rel.split('/')), { force: true });
  await writeAtomic(join(dir, MANIFEST), `${[...files.keys()].join('\n')}\n`, 0o600);
  return { written: files.size, removed };
}
