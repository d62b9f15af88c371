import { spawn } from 'node:child_process';
import { EXIT, progress, runCommand, UserError } from '@kosmos/cli';

/** One step of the walkthrough: a user-facing command, run exactly as a person would run it. */
interface Step {
  title: string;
  args: string[];
  /** Exit codes that mean the step did its job (diff exits 2 when there is something to apply). */
  ok?: number[];
}

const STEPS: Step[] = [
  { title: 'build or find the pinned toolchain', args: ['run', '--silent', 'tools'] },
  { title: 'start the local cluster and registry', args: ['run', '--silent', 'up'] },
  { title: 'show what is installed and running', args: ['run', '--silent', 'doctor'] },
  {
    title: 'render every release of dev',
    args: ['run', '--silent', 'render', '--env', 'dev', '--out', '.kosmos/render/dev'],
  },
  { title: 'lint dev: helm lint, schemas, policy rules', args: ['run', '--silent', 'lint', '--env', 'dev'] },
  {
    title: 'what applying dev to the local cluster would change (nothing is deployed yet)',
    args: ['run', '--silent', 'diff', '--env', 'dev', '--context', '0'],
    ok: [0, 2],
  },
  { title: 'environment x release status', args: ['run', '--silent', 'status', '--env', 'dev'] },
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
      if (!(s.ok ?? [0]).includes(code))
        throw new UserError(`step ${i + 1} (${s.title}) failed with exit ${code}`, code);
    }
    progress(
      `\nquickstart done in ${((Date.now() - started) / 1000).toFixed(1)}s; stop everything with \`pnpm run down\``,
    );
    return EXIT.ok;
  },
});
