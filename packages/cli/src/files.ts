import { mkdirSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import writeFileAtomic from 'write-file-atomic';

/**
 * Writes a file whole or not at all (temp file beside it, then rename), creating its folder:
 * every file a command writes goes through here, so none is ever left half-written.
 */
export async function writeAtomic(path: string, text: string, mode?: number): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFileAtomic(path, text, mode === undefined ? {} : { mode });
}

export function writeAtomicSync(path: string, text: string, mode?: number): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileAtomic.sync(path, text, mode === undefined ? {} : { mode });
}
