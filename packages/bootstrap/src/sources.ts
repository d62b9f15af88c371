/** Reading the inputs of a render: the inventory file, templates and scripts from the repo. */
import { readFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseInventory } from './inventory.ts';
import { type Scripts, TEMPLATE_NAMES, type Templates } from './render.ts';
import type { Inventory } from './types.ts';

/** The repository root (this file is packages/bootstrap/src/sources.ts). */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
export const TEMPLATES_DIR = join(REPO_ROOT, 'bootstrap/templates');
export const SCRIPTS_DIR = join(REPO_ROOT, 'bootstrap/scripts');
export const EMBEDDED_SCRIPTS = [
  'install-server.sh',
  'install-agent.sh',
  'etcd-snapshot.sh',
  'lib/install-common.sh',
] as const;

export function inventoryPath(env: string, root = REPO_ROOT): string {
  return join(root, 'environments', env, 'inventory.yaml');
}

export async function loadTemplates(dir = TEMPLATES_DIR): Promise<Templates> {
  const entries = await Promise.all(
    TEMPLATE_NAMES.map(async (n) => [n, await readFile(join(dir, n), 'utf8')] as const),
  );
  return Object.fromEntries(entries);
}

export async function loadScripts(dir = SCRIPTS_DIR): Promise<Scripts> {
  const entries = await Promise.all(
    EMBEDDED_SCRIPTS.map(async (n) => [n, await readFile(join(dir, n), 'utf8')] as const),
  );
  return Object.fromEntries(entries);
}

/** Reads and validates an inventory file; errors name it relative to `root` (the repo by default). */
export async function loadInventory(file: string, root = REPO_ROOT): Promise<{ inventory: Inventory; source: string }> {
  const source = relative(root, file) || file;
  const text = await readFile(file, 'utf8');
  return { inventory: parseInventory(text, source), source };
}
