import { EXIT, progress, runCommand, UserError } from '@kosmos/cli';
import { deployEnvironment, formatEvent, formatPlan, formatResult } from '@kosmos/deploy';
import { findRepoRoot, loadEnvironment } from '@kosmos/environment';

await runCommand({
  name: 'deploy',
  summary: 'helm upgrade --install of an environment’s releases in needs waves, health checked, failures rolled back',
  usage:
    'pnpm run deploy --env ENV [--release NAME]... [--with-needs] [--timeout 5m] [--skip-upstream] [--dry-run] [--json]',
  flags: [
    '--env ENV           environment under environments/ (required)',
    '--release NAME      only this release (repeatable); what it needs must already be deployed',
    '                    at its pinned version, unless --with-needs',
    '--with-needs        with --release: also deploy what the named releases need, transitively',
    '--timeout DURATION  per release, helm’s --timeout (default 5m); also bounds the health check',
    '--skip-upstream     leave out releases of upstream charts (https repositories out of reach)',
    '--dry-run           print the plan (waves and exact helm commands); run nothing, contact no cluster',
    '--json              print the result as JSON on stdout (for CI)',
    '--root DIR          repository root (default: found from the current folder)',
    '',
    'Run it as `pnpm run deploy`: `pnpm deploy` is pnpm’s own command (it copies a workspace package).',
    'Releases deploy in waves of their `needs`, a wave’s releases at once, each with',
    '`helm upgrade --install --server-side=true --wait=watcher --rollback-on-failure --timeout T`:',
    'charts pinned to a version come from the environment’s registry, `version: tree` from this',
    'checkout. After each wave every workload must be Ready (Argo Rollouts: phase Healthy; a',
    'Rollout that no controller gives a status within 10s is reported as not checked). A release',
    'that fails is rolled back (a first install is uninstalled), later waves do not start, and the',
    'release and the objects that did not become Ready are named. Only helm’s error line is shown,',
    'never its output (it can hold rendered Secrets).',
  ],
  exitCodes: [
    '0  every release deployed and Ready',
    '1  a release failed (rolled back), a needed release is not deployed, or another error',
    '2  bad usage or input',
  ],
  options: {
    env: { type: 'string' },
    release: { type: 'string', multiple: true },
    'with-needs': { type: 'boolean' },
    timeout: { type: 'string' },
    'skip-upstream': { type: 'boolean' },
    'dry-run': { type: 'boolean' },
    json: { type: 'boolean' },
    root: { type: 'string' },
  },
  async run({ values }) {
    if (!values.env) throw new UserError('--env is required (dev, staging or production)', EXIT.usage);
    const releases = values.release as string[] | undefined;
    if (values['with-needs'] && !releases) throw new UserError('--with-needs goes with --release', EXIT.usage);
    const root = (values.root as string | undefined) ?? findRepoRoot();
    const env = loadEnvironment(root, values.env as string);
    const json = values.json === true;
    const dryRun = values['dry-run'] === true;
    const result = await deployEnvironment(env, {
      ...(releases ? { releases } : {}),
      ...(values['with-needs'] ? { withNeeds: true } : {}),
      ...(values.timeout ? { timeout: values.timeout as string } : {}),
      ...(values['skip-upstream'] ? { skipUpstream: true } : {}),
      dryRun,
      onPlan: (plan, target) => {
        if (dryRun && !json) process.stdout.write(formatPlan(plan, target));
      },
      onProgress: (e) => {
        const line = formatEvent(e);
        if (line) progress(line);
      },
    });
    if (json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    else if (!dryRun) process.stdout.write(formatResult(result));
    return result.ok ? EXIT.ok : EXIT.failed;
  },
});
