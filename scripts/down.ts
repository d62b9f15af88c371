import { EXIT, runCommand } from '@kosmos/cli';
import { defaultStateDir } from '@kosmos/environment';
import { down } from '@kosmos/testkit';

await runCommand({
  name: 'down',
  summary: 'stop every process `pnpm run up` started and discard the local cluster',
  usage: 'pnpm run down [--purge-registry] [--json]',
  flags: [
    "--purge-registry    also delete the local registry's stored charts",
    '--json              print what was stopped as JSON',
  ],
  options: { 'purge-registry': { type: 'boolean' }, json: { type: 'boolean' } },
  async run({ values }) {
    const r = await down({ stateDir: defaultStateDir(), purgeRegistry: Boolean(values['purge-registry']) });
    if (values.json) {
      process.stdout.write(
        `${JSON.stringify({ stopped: r.stopped.map(({ name, pid }) => ({ name, pid })), alreadyGone: r.alreadyGone.map(({ name, pid }) => ({ name, pid })) }, null, 2)}\n`,
      );
    } else if (r.stopped.length === 0 && r.alreadyGone.length === 0) {
      process.stdout.write('nothing running\n');
    } else {
      for (const d of r.stopped) process.stdout.write(`stopped ${d.name} (pid ${d.pid})\n`);
      for (const d of r.alreadyGone) process.stdout.write(`${d.name} (pid ${d.pid}) had already exited\n`);
    }
    return EXIT.ok;
  },
});
