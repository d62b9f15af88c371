/**
 * pnpm bootstrap render --env E [--out DIR] | check --env E
 * Thin entry: flags -> @kosmos/bootstrap. Exit 0 ok, 1 invalid inventory or failure, 2 usage error.
 */
import { existsSync } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import {
  formatIssue,
  InventoryError,
  inventoryPath,
  loadInventory,
  REPO_ROOT,
  renderInventoryFile,
  writeOutput,
} from '@kosmos/bootstrap';

const HELP = `Usage: pnpm bootstrap <command> --env ENV [--out DIR]

Commands:
  render   validate environments/ENV/inventory.yaml and write per-node K3s, keepalived, systemd
           and cloud-init files, plus the upgrade plan, to DIR
  check    validate the inventory only

Options:
  --env ENV   environment name (a folder under environments/ with an inventory.yaml)
  --out DIR   output directory (default: .kosmos/bootstrap/ENV)
  --inventory FILE   use FILE instead of environments/ENV/inventory.yaml (to try a change)
  -h, --help  this help

Exit codes: 0 ok, 1 invalid inventory (each problem as file:line:column), 2 usage error.
See bootstrap/README.md.`;

function usage(msg: string): never {
  process.stderr.write(`bootstrap: ${msg} (see --help)\n`);
  process.exit(2);
}

async function main(): Promise<number> {
  const options = {
    env: { type: 'string' },
    inventory: { type: 'string' },
    out: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  } as const;
  const parse = () => parseArgs({ args: process.argv.slice(2), allowPositionals: true, options });
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse();
  } catch (e) {
    usage((e as Error).message.split('\n')[0] ?? 'bad arguments');
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  const [command, ...extra] = positionals;
  if (!command) usage('missing command: render or check');
  if (command !== 'render' && command !== 'check') usage(`unknown command "${command}": render or check`);
  if (extra.length) usage(`unexpected argument "${extra[0]}"`);
  const env = values.env;
  if (!env) usage('--env ENV is required');
  if (!/^[a-z0-9][a-z0-9-]*$/.test(env)) usage(`--env "${env}" is not an environment name`);
  const file = values.inventory ? resolve(process.cwd(), values.inventory) : inventoryPath(env);
  if (!existsSync(file))
    usage(
      values.inventory
        ? `--inventory ${values.inventory} does not exist`
        : `no inventory for environment "${env}": ${relative(process.cwd(), file)} does not exist`,
    );
  if (command === 'check' && values.out) usage('--out is for render');

  if (command === 'check') {
    const { inventory, source } = await loadInventory(file, process.cwd());
    process.stdout.write(`${source}: ok (${inventory.nodes.length} node(s))\n`);
    return 0;
  }
  const files = await renderInventoryFile(file, env, values.inventory ? process.cwd() : REPO_ROOT);
  const out = values.out
    ? isAbsolute(values.out)
      ? values.out
      : resolve(process.cwd(), values.out)
    : join(REPO_ROOT, '.kosmos/bootstrap', env);
  const { written, removed } = await writeOutput(out, files);
  process.stdout.write(
    `rendered ${written} file(s) for ${env} into ${relative(process.cwd(), out) || '.'}${removed.length ? ` (removed ${removed.length} stale)` : ''}\n`,
  );
  return 0;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    if (e instanceof InventoryError) {
      for (const i of e.issues) process.stderr.write(`${formatIssue(i)}\n`);
      process.stderr.write(`bootstrap: ${e.file} is invalid: ${e.issues.length} problem(s), nothing rendered\n`);
      process.exit(1);
    }
    const err = e as NodeJS.ErrnoException;
    process.stderr.write(`bootstrap: ${err.code ? `${err.code}: ` : ''}${err.message ?? String(e)}\n`);
    process.exit(1);
  },
);
