import { EXIT, intFlag, progress, runCommand, UserError } from '@kosmos/cli';
import { diffEnvironment, formatJson, formatText } from '@kosmos/diff';
import { describeTargets, findRelease, findRepoRoot, loadEnvironment, resolveTargets } from '@kosmos/environment';
import { withCluster } from '@kosmos/kube';

/** 0 no drift, 2 drift, 1 anything else (like `helm diff --detailed-exitcode`). */
const DRIFT = 2;
let drifted = false;

await runCommand({
  name: 'diff',
  summary: 'what applying an environment would change in its live cluster (Secret values never shown)',
  usage: 'pnpm diff --env ENV [--release NAME]... [--json] [--context N] [--skip-upstream]',
  flags: [
    '--env ENV           environment under environments/ (required)',
    '--release NAME      only this release (repeatable)',
    '--json              print the result as JSON on stdout (for CI)',
    '--context N         lines of context around each change (default 3)',
    '--skip-upstream     do not render upstream charts (their repositories may be out of reach)',
    '--concurrency N     API requests in flight at once (default 8)',
    '--root DIR          repository root (default: found from the current folder)',
    '',
    'Each rendered object is applied server-side as a dry run and compared with the live object;',
    'objects of the live Helm release that are no longer rendered are shown as deletions.',
    'Colour when stdout is a terminal and NO_COLOR is unset.',
  ],
  exitCodes: [
    '0  no drift',
    '2  drift: applying would change the cluster',
    '1  error (bad input, cluster unreachable, ...)',
  ],
  options: {
    env: { type: 'string' },
    release: { type: 'string', multiple: true },
    json: { type: 'boolean' },
    context: { type: 'string' },
    'skip-upstream': { type: 'boolean' },
    concurrency: { type: 'string' },
    root: { type: 'string' },
  },
  async run({ values }) {
    if (!values.env) throw new UserError('--env is required (dev, staging or production)', EXIT.failed);
    // Usage errors exit 2 from intFlag; the last line of this file turns that into 1 (2 is drift).
    const context = intFlag(values, 'context', { min: 0, default: 3 });
    const concurrency = intFlag(values, 'concurrency', { min: 1, default: 8 });
    const root = (values.root as string | undefined) ?? findRepoRoot();
    const env = loadEnvironment(root, values.env as string);
    const only = values.release as string[] | undefined;
    for (const r of only ?? []) findRelease(env, r);
    const targets = await resolveTargets(env);
    progress(`diff ${env.name}: ${describeTargets(targets)}`);
    // withCluster pings once: a cluster that is down fails there, in one line, before anything renders.
    return withCluster(
      env,
      async (cluster) => {
        progress(`diff ${env.name}: rendering ${only ? only.join(', ') : `${env.releases.length} releases`}`);
        const d = await diffEnvironment(env, cluster, {
          ...(only ? { only } : {}),
          context,
          upstream: values['skip-upstream'] ? 'skip' : 'render',
          ...(targets.registry ? { registryUrl: targets.registry } : {}),
          onRendered: (n) => progress(`comparing ${n} objects with ${cluster.client.target}`),
          onRelease: (r) => {
            const s = r.summary;
            progress(
              `  ${r.release}: ${s.added} added, ${s.changed} changed, ${s.deleted} deleted, ${s.unchanged} unchanged`,
            );
          },
        });
        const color = !values.json && process.stdout.isTTY === true && !process.env.NO_COLOR;
        process.stdout.write(values.json ? formatJson(d) : formatText(d, { color }));
        progress(`diff ${env.name} took ${d.seconds.toFixed(2)}s`);
        drifted = d.drift;
        return d.drift ? DRIFT : EXIT.ok;
      },
      { targets, concurrency },
    );
  },
});
// Shared usage errors exit 2 elsewhere; here 2 means drift only, so any other failure is 1.
if (process.exitCode === DRIFT && !drifted) process.exitCode = EXIT.failed;
