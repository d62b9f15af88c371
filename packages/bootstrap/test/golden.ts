/** Golden-file comparison; UPDATE_GOLDEN=1 rewrites the files instead of comparing. */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';

export const GOLDEN_DIR = join(dirname(fileURLToPath(import.meta.url)), 'golden');
export const UPDATE = process.env.UPDATE_GOLDEN === '1';

function listFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)).split('\\').join('/'))
    .sort();
}

/** Compares a whole rendered tree (relative path -> content) with golden/<name>/. */
export function expectGoldenTree(name: string, files: Map<string, string>): void {
  const dir = join(GOLDEN_DIR, name);
  if (UPDATE) {
    rmSync(dir, { recursive: true, force: true });
    for (const [rel, content] of files) {
      mkdirSync(dirname(join(dir, rel)), { recursive: true });
      writeFileSync(join(dir, rel), content);
    }
    return;
  }
  expect(listFiles(dir), `file list of golden/${name} (UPDATE_GOLDEN=1 to refresh)`).toEqual([...files.keys()].sort());
  for (const [rel, content] of files)
    expect(content, `golden/${name}/${rel} (UPDATE_GOLDEN=1 to refresh)`).toBe(readFileSync(join(dir, rel), 'utf8'));
}

export function expectGoldenFile(rel: string, content: string): void {
  const path = join(GOLDEN_DIR, rel);
  if (UPDATE) {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, content);
    return;
  }
  expect(existsSync(path), `golden/${rel} missing (UPDATE_GOLDEN=1 to create)`).toBe(true);
  expect(content, `golden/${rel} (UPDATE_GOLDEN=1 to refresh)`).toBe(readFileSync(path, 'utf8'));
}
