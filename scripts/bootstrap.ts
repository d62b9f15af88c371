/**
 * pnpm bootstrap render --env E [--out DIR] | check --env E
 * Thin entry: flags -> @kosmos/bootstrap. Exit 0 ok, 1 failure, 2 usage error or invalid inventory.
 */
import { existsSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { inventoryPath, loadInventory, REPO_ROOT, renderInventoryFile, writeOutput } from '@kosmos/bootstrap';
import { EXIT, progress, runCommand, UserError } from '@kosmos/cli';

const COMMANDS = ['render', 'check'] as const;
type Command = (typeof COMMANDS)[number];

await runCommand({
  name: 'bootstrap',
  summary: 'validate an inventory and render per-node K3s, keepalived, systemd and cloud-init files',
  usage: [
    'pnpm bootstrap render --env ENV [--out DIR] [--inventory FILE] [--json]',
    '       pnpm bootstrap check --env ENV [--inventory FILE] [--json]',
    '',
    'Commands:',
    '  render   validate environments/ENV/inventory.yaml and write per-node K3s, keepalived, systemd',
    '           and cloud-init files, plus the upgrade plan, to DIR',
    '  check    validate the inventory only',
  ].join('\n'),
  flags: [
    '--env ENV           environment name (a folder under environments/ with an inventory.yaml)',
    '--out DIR           render output directory (default: .kosmos/bootstrap/ENV)',
    '--inventory FILE    use FILE instead of environments/ENV/inventory.yaml (to try a change)',
    '--json              print what was written or checked as JSON',
    '--root DIR          repository root (default: this checkout)',
  ],
  exitCodes: [
    '0  success',
    '1  the operation failed',
    '2  bad usage, or an invalid inventory (each problem as file:line:column; nothing rendered)',
  ],
  options: {
    env: { type: 'string' },
    inventory: { type: 'string' },
    out: { type: 'string' },
    json: { type: 'boolean' },
    root: { type: 'string' },
  },
  allowPositionals: true,
  async run({ values, positionals }) {
    const [command, ...extra] = positionals;
    if (!command) throw new UserError('missing command: render or check', EXIT.usage);
    if (!COMMANDS.includes(command as Command))
      throw new UserError(`unknown command "${command}": render or check`, EXIT.usage);
    if (extra.length) throw new UserError(`unexpected argument "${extra[0]}"`, EXIT.usage);
    const env = values.env as string | undefined;
    if (!env) throw new UserError('--env ENV is required', EXIT.usage);
    if (!/^[a-z0-9][a-z0-9-]*$/.test(env)) throw new UserError(`--env "${env}" is not an environment name`, EXIT.usage);
    const root = values.root ? resolve(process.cwd(), values.root as string) : REPO_ROOT;
    const inventoryFlag = values.inventory as string | undefined;
    const file = inventoryFlag ? resolve(process.cwd(), inventoryFlag) : inventoryPath(env, root);
    if (!existsSync(file))
      throw new UserError(
        inventoryFlag
          ? `--inventory ${inventoryFlag} does not exist`
          : `no inventory for environment "${env}": ${relative(process.cwd(), file)} does not exist`,
        EXIT.usage,
      );
    const outFlag = values.out as string | undefined;
    if (command === 'check' && outFlag) throw new UserError('--out is for render', EXIT.usage);

    // An invalid inventory throws InventoryError: bad input, one line per problem, exit 2.
    if (command === 'check') {
      const { inventory, source } = await loadInventory(file, inventoryFlag ? process.cwd() : root);
      if (values.json)
        process.stdout.write(
          `${JSON.stringify({ command, env, inventory: source, ok: true, nodes: inventory.nodes.map((n) => n.name) }, null, 2)}\n`,
        );
      else process.stdout.write(`${source}: ok (${inventory.nodes.length} node(s))\n`);
      return EXIT.ok;
    }
    const files = await renderInventoryFile(file, env, inventoryFlag ? process.cwd() : root);
    const out = outFlag ? resolve(process.cwd(), outFlag) : join(root, '.kosmos/bootstrap', env);
    const { written, removed } = await writeOutput(out, files);
    const where = relative(process.cwd(), out) || '.';
    if (values.json) {
      process.stdout.write(
        `${JSON.stringify({ command, env, out, written: [...files.keys()].sort(), removed }, null, 2)}\n`,
      );
      progress(`rendered ${written} file(s) for ${env} into ${where}`);
    } else
      process.stdout.write(
        `rendered ${written} file(s) for ${env} into ${where}${removed.length ? ` (removed ${removed.length} stale)` : ''}\n`,
      );
    return EXIT.ok;
  },
});
