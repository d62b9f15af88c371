import { EXIT, progress, runCommand, table, UserError } from '@kosmos/cli';
import { type EnvironmentStatus, environmentStatus, unreachableStatus } from '@kosmos/diff';
import {
  defaultStateDir,
  type Environment,
  findRepoRoot,
  listEnvironments,
  loadEnvironment,
  readState,
} from '@kosmos/environment';
import { Cluster } from '@kosmos/kube';

async function statusOf(
  env: Environment,
  o: { skipUpstream: boolean; concurrency: number },
): Promise<EnvironmentStatus> {
  let cluster: Cluster | undefined;
  try {
    cluster = await Cluster.forEnvironment(env, { concurrency: o.concurrency });
    await cluster.client.ping();
  } catch (e) {
    cluster?.close();
    return unreachableStatus(env, (e as Error).message.split('\n')[0] ?? 'unreachable');
  }
  try {
    const local = env.registry.local ? await readState(defaultStateDir()) : undefined;
    return await environmentStatus(env, cluster, {
      upstream: o.skipUpstream ? 'skip' : 'render',
      ...(local ? { registryUrl: `oci://${local.registry}/charts` } : {}),
    });
  } catch (e) {
    return unreachableStatus(env, (e as Error).message.split('\n')[0] ?? 'failed');
  } finally {
    cluster.close();
  }
}

const yesNo = (v: boolean | null) => (v === null ? '?' : v ? 'yes' : 'no');

await runCommand({
  name: 'status',
  summary: 'environment × release: pinned and deployed version, drift, health',
  usage: 'pnpm status [--env ENV]... [--json] [--skip-upstream]',
  flags: [
    '--env ENV           only this environment (repeatable; default: all)',
    '--json              print the matrix as JSON on stdout',
    '--skip-upstream     do not render upstream charts (their drift shows as "?")',
    '--concurrency N     API requests in flight at once per cluster (default 8)',
    '--root DIR          repository root (default: found from the current folder)',
    '',
    'An environment whose cluster cannot be reached shows "unreachable" and the command exits 1.',
  ],
  exitCodes: ['0  every environment answered', '1  some environment was unreachable, or an error'],
  options: {
    env: { type: 'string', multiple: true },
    json: { type: 'boolean' },
    'skip-upstream': { type: 'boolean' },
    concurrency: { type: 'string' },
    root: { type: 'string' },
  },
  async run({ values }) {
    const concurrency = values.concurrency === undefined ? 8 : Number(values.concurrency);
    if (!Number.isInteger(concurrency) || concurrency < 1) {
      throw new UserError(`--concurrency: expected a whole number ≥ 1, got "${values.concurrency}"`);
    }
    const root = (values.root as string | undefined) ?? findRepoRoot();
    const names = (values.env as string[] | undefined) ?? listEnvironments(root);
    const envs = names.map((n) => loadEnvironment(root, n));
    progress(`status of ${envs.map((e) => e.name).join(', ')}`);
    const results = await Promise.all(
      envs.map(async (e) => {
        const s = await statusOf(e, { skipUpstream: values['skip-upstream'] === true, concurrency });
        progress(s.reachable ? `  ${e.name}: ${s.releases.length} releases` : `  ${e.name}: unreachable: ${s.error}`);
        return s;
      }),
    );
    if (values.json) {
      process.stdout.write(`${JSON.stringify({ environments: results }, null, 2)}\n`);
    } else {
      const rows = [['ENV', 'RELEASE', 'NAMESPACE', 'PINNED', 'DEPLOYED', 'DRIFT', 'HEALTH']];
      for (const s of results) {
        for (const r of s.releases) {
          rows.push([
            r.env,
            r.release,
            r.namespace,
            r.pinned,
            r.deployed
              ? `${r.deployed}${r.helmStatus && r.helmStatus !== 'deployed' ? ` (${r.helmStatus})` : ''}`
              : '-',
            s.reachable ? yesNo(r.drift) : 'unreachable',
            r.health === 'not ready' ? `not ready: ${r.unready.join(', ')}` : r.health,
          ]);
        }
      }
      const notes = results.flatMap((s) => (s.reachable ? [] : [`${s.env}: ${s.error}`]));
      const driftErrors = [
        ...new Set(
          results.flatMap((s) =>
            s.releases.flatMap((r) => (r.driftError ? [`${r.env}/${r.release}: drift unknown: ${r.driftError}`] : [])),
          ),
        ),
      ];
      process.stdout.write(
        `${table(rows)}\n${[...notes, ...driftErrors].map((n) => `\n${n}`).join('')}${notes.length + driftErrors.length ? '\n' : ''}`,
      );
    }
    return results.every((s) => s.reachable) ? EXIT.ok : EXIT.failed;
  },
});
