import { spawn } from 'node:child_process';
import { EXIT, progress, runCommand, UserError } from '@kosmos/cli';

/** One step of the walkthrough: a user-facing command, run exactly as a person would run it. */
interface Step {
  title: string;
  args: string[];
}

const STEPS: Step[] = [
  { title: 'build or find the pinned toolchain', args: ['run', '--silent', 'tools'] },
  { title: 'start the local cluster and registry', args: ['run', '--silent', 'up'] },
  { title: 'show what is installed and running', args: ['run', '--silent', 'doctor'] },
];

function runStep(s: Step): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn('pnpm', s.args, { stdio: 'inherit' });
    child.on('error', reject);
    child.on('close', (code) => resolve(code ?? 1));
  });
}

await runCommand({
  name: 'quickstart',
  summary: 'set up everything and walk through the main flow on the local cluster and registry',
  usage: 'pnpm run quickstart',
  flags: ['', `Steps: ${STEPS.map((s) => `pnpm ${s.args.filter((a) => a !== '--silent').join(' ')}`).join(' -> ')}`],
  options: {},
  async run() {
    const started = Date.now();
    for (const [i, s] of STEPS.entries()) {
      progress(`\n== ${i + 1}/${STEPS.length} ${s.title}: pnpm ${s.args.filter((a) => a !== '--silent').join(' ')}`);
      const code = await runStep(s);
      if (code !== 0) throw new UserError(`step ${i + 1} (${s.title}) failed with exit ${code}`, code);
    }
    progress(
      `\nquickstart done in ${((Date.now() - started) / 1000).toFixed(1)}s; stop everything with \`pnpm run down\``,
    );
    return EXIT.ok;
  },
});
