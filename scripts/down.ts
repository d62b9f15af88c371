import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { EXIT, runCommand } from '@kosmos/cli';
import { defaultStateDir, stateFile } from '@kosmos/environment';
import { type DownResult, down } from '@kosmos/testkit';

await runCommand({
  name: 'down',
  summary: 'stop every process `pnpm run up` started (stand-in clusters included) and discard the clusters',
  usage: 'pnpm run down [--purge-registry] [--json]',
  flags: [
    "--purge-registry    also delete the local registry's stored charts and images",
    '--json              print what was stopped as JSON',
  ],
  options: { 'purge-registry': { type: 'boolean' }, json: { type: 'boolean' } },
  async run({ values }) {
    const base = defaultStateDir();
    // Stand-in clusters (`pnpm run up --env staging`) live in sub-folders with a state file of their own.
    const standIns = existsSync(base)
      ? readdirSync(base, { withFileTypes: true })
          .filter((d) => d.isDirectory() && existsSync(stateFile(join(base, d.name))))
          .map((d) => join(base, d.name))
      : [];
    const results: DownResult[] = [];
    for (const dir of standIns) results.push(await down({ stateDir: dir }));
    results.push(await down({ stateDir: base, purgeRegistry: Boolean(values['purge-registry']) }));
    const stopped = results.flatMap((r) => r.stopped);
    const alreadyGone = results.flatMap((r) => r.alreadyGone);
    if (values.json) {
      process.stdout.write(
        `${JSON.stringify({ stopped: stopped.map(({ name, pid }) => ({ name, pid })), alreadyGone: alreadyGone.map(({ name, pid }) => ({ name, pid })) }, null, 2)}\n`,
      );
    } else if (stopped.length === 0 && alreadyGone.length === 0) {
      process.stdout.write('nothing running\n');
    } else {
      for (const d of stopped) process.stdout.write(`stopped ${d.name} (pid ${d.pid})\n`);
      for (const d of alreadyGone) process.stdout.write(`${d.name} (pid ${d.pid}) had already exited\n`);
    }
    return EXIT.ok;
  },
});
