export { crossChecks } from './checks.ts';
export { formatIssue, InventoryError, type LocatedIssue, parseInventory } from './inventory.ts';
export * from './model.ts';
export { installMode, type RenderInput, render, type Scripts, TEMPLATE_NAMES, type Templates } from './render.ts';
export { inventorySchema } from './schema.ts';
export {
  inventoryPath,
  loadInventory,
  loadScripts,
  loadTemplates,
  REPO_ROOT,
  SCRIPTS_DIR,
  TEMPLATES_DIR,
} from './sources.ts';
export type { Inventory, Issue, Node, Role, TokenSource, Vip } from './types.ts';
export { MANIFEST, writeOutput } from './write.ts';

import { render } from './render.ts';
import { inventoryPath, loadInventory, loadScripts, loadTemplates, REPO_ROOT } from './sources.ts';

/** Loads, validates and renders one environment of the repo (or of `root`). Throws InventoryError. */
export async function renderNodeConfigs(env: string, root = REPO_ROOT): Promise<Map<string, string>> {
  return renderInventoryFile(inventoryPath(env, root), env, root);
}

/** Like renderNodeConfigs, for an inventory file anywhere; errors name it relative to `root`. */
export async function renderInventoryFile(file: string, env: string, root = REPO_ROOT): Promise<Map<string, string>> {
  const { inventory, source } = await loadInventory(file, root);
  const [templates, scripts] = await Promise.all([loadTemplates(), loadScripts()]);
  return render({ inventory, templates, scripts, env, source });
}
