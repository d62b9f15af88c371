import { spawn } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { EXIT, progress, runCommand, UserError } from '@kosmos/cli';
import { findRepoRoot, repoStateRoot, STAND_IN_VARIABLE } from '@kosmos/environment';

/** One step of the walkthrough: a user-facing command, run exactly as a person would run it. */
interface Step {
  title: string;
  args: string[];
  /** Exit codes that mean the step did its job (diff exits 2 when there is something to apply). */
  ok?: number[];
  /** Extra variables for this step only (the CI approval). */
  vars?: Record<string, string>;
  /** Work done in this process before the command (editing the workspace copy, reading the plan). */
  before?: (this: Step) => void;
  after?: () => void;
}

const root = findRepoRoot();
/**
 * The walkthrough promotes into a copy of environments/ (charts/ linked): stand-in digests come
 * from test images in the local registry and must never reach the real staging and production files.
 */
const work = join(repoStateRoot(), 'quickstart');
const STAND_INS = 'staging,production';
const devValues = join(work, 'environments/dev/values/core-agents.yaml');
let original = '';
const productionPlan = join(work, 'production.plan.json');

const STEPS: Step[] = [
  { title: 'build or find the pinned toolchain', args: ['run', '--silent', 'tools'] },
  { title: 'start the local cluster and registry (dev)', args: ['run', '--silent', 'up'] },
  {
    title: 'stand a local cluster in for staging',
    args: ['run', '--silent', 'up', '--env', 'staging', '--root', work],
  },
  {
    title: 'stand a local cluster in for production',
    args: ['run', '--silent', 'up', '--env', 'production', '--root', work],
  },
  {
    title: 'push a small test image for every pinned image (so digests resolve for real)',
    args: ['run', '--silent', 'test-images', '--root', work],
  },
  { title: 'release every chart to the local registry', args: ['--silent', 'release'] },
  { title: 'deploy dev from the tree', args: ['run', '--silent', 'deploy', '--env', 'dev', '--root', work] },
  {
    title: 'diff dev: clean (exit 0)',
    args: ['--silent', 'diff', '--env', 'dev', '--context', '0', '--root', work],
  },
  {
    title: 'change a value (Athena gets 2 replicas) and diff dev: it shows (exit 2)',
    args: ['--silent', 'diff', '--env', 'dev', '--context', '1', '--root', work],
    ok: [2],
    before: () => {
      original = readFileSync(devValues, 'utf8');
      writeFileSync(devValues, original.replace(/^ {2}athena:\n/m, '  athena:\n    replicaCount: 2\n'));
    },
    after: () => writeFileSync(devValues, original),
  },
  {
    title: 'deploy staging at its current pins (the starting point)',
    args: ['run', '--silent', 'deploy', '--env', 'staging', '--root', work],
  },
  {
    title: 'deploy production at its current pins (the starting point)',
    args: ['run', '--silent', 'deploy', '--env', 'production', '--root', work],
  },
  {
    title: 'promote dev -> staging: gates pass, files rewritten, staging deployed',
    args: ['--silent', 'promote', '--from', 'dev', '--to', 'staging', '--apply', '--root', work],
  },
  {
    title: 'plan staging -> production: pins, chart and image digests, gates, live diff, and the plan digest',
    args: [
      '--silent',
      'promote',
      '--from',
      'staging',
      '--to',
      'production',
      '--plan-out',
      productionPlan,
      '--root',
      work,
    ],
  },
  {
    title: 'carry out the plan without approval: refused (exit 3)',
    args: ['--silent', 'promote', '--plan', productionPlan, '--root', work],
    ok: [3],
  },
  {
    title: 'approve exactly that plan by its digest (the CI approval variable) and apply it',
    args: ['--silent', 'promote', '--plan', productionPlan, '--apply', '--root', work],
    vars: { KOSMOS_APPROVE: '<the plan digest>' },
    before() {
      this.vars = { KOSMOS_APPROVE: JSON.parse(readFileSync(productionPlan, 'utf8')).digest };
    },
  },
  {
    title: "production's audit trail: who promoted what, after which gates",
    args: ['--silent', 'history', '--env', 'production', '--root', work],
  },
  { title: 'status of dev, staging and production', args: ['--silent', 'status', '--root', work] },
];

const shown = (s: Step) =>
  `${Object.entries(s.vars ?? {})
    .map(([k, v]) => `${k}=${v} `)
    .join('')}pnpm ${s.args.filter((a) => a !== '--silent').join(' ')}`;

function runStep(s: Step): Promise<number> {
  return new Promise((resolve, reject) => {
    const env: NodeJS.ProcessEnv = { ...process.env, [STAND_IN_VARIABLE]: STAND_INS, ...s.vars };
    if (!s.vars?.KOSMOS_APPROVE) delete env.KOSMOS_APPROVE;
    const child = spawn('pnpm', s.args, { stdio: 'inherit', env });
    child.on('error', reject);
    child.on('close', (code) => resolve(code ?? 1));
  });
}

await runCommand({
  name: 'quickstart',
  summary: 'set up everything and walk through release, deploy, diff and promotion on local clusters',
  usage: 'pnpm run quickstart',
  flags: [
    '',
    `Runs every step with ${STAND_IN_VARIABLE}=${STAND_INS}: local clusters stand in for staging and`,
    'production, the local registry for their registries. Promotions are made in a copy of',
    'environments/ under .kosmos/quickstart, never in your files.',
    '',
    ...STEPS.map((s, i) => `${String(i + 1).padStart(2)}. ${s.title}: ${shown(s)}`),
  ],
  options: {},
  async run() {
    const started = Date.now();
    rmSync(work, { recursive: true, force: true });
    mkdirSync(work, { recursive: true });
    cpSync(join(root, 'environments'), join(work, 'environments'), { recursive: true });
    symlinkSync(join(root, 'charts'), join(work, 'charts'), 'dir');
    progress(`quickstart: ${STAND_IN_VARIABLE}=${STAND_INS}; promotions go to a copy of environments/ in ${work}`);
    const times: string[] = [];
    for (const [i, s] of STEPS.entries()) {
      progress(`\n== ${i + 1}/${STEPS.length} ${s.title}: ${shown(s)}`);
      const t0 = Date.now();
      s.before?.call(s);
      let code: number;
      try {
        code = await runStep(s);
      } finally {
        s.after?.();
      }
      const took = (Date.now() - t0) / 1000;
      times.push(`${String(i + 1).padStart(2)}. ${took.toFixed(1).padStart(6)}s  ${s.title}`);
      progress(`== ${i + 1}/${STEPS.length} exit ${code} in ${took.toFixed(1)}s`);
      if (!(s.ok ?? [0]).includes(code))
        throw new UserError(`step ${i + 1} (${s.title}) failed with exit ${code}`, code === 0 ? 1 : code);
    }
    progress(`\nstep times:\n${times.join('\n')}`);
    progress(
      `\nquickstart done in ${((Date.now() - started) / 1000).toFixed(1)}s; stop everything with \`pnpm run down\``,
    );
    return EXIT.ok;
  },
});
