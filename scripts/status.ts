import { EXIT, intFlag, progress, runCommand, table } from '@kosmos/cli';
import {
  describeTargets,
  findRepoRoot,
  listEnvironments,
  loadEnvironment,
  readPromotions,
  resolveTargets,
} from '@kosmos/environment';
import { type PromotionView, promotionView, statusForEnvironment } from '@kosmos/status';

/** The promotion view for people: versions side by side, who is behind whom, each last promotion. */
function formatView(v: PromotionView): string {
  const rows = [['RELEASE', ...v.environments.map((e) => e.toUpperCase()), 'BEHIND']];
  for (const r of v.releases)
    rows.push([
      r.release,
      ...v.environments.map((e) => {
        const x = r.versions[e];
        if (!x) return '-';
        return x.deployed && x.pinned.replace(/^tree \((.+)\)$/, '$1') !== x.deployed
          ? `${x.pinned} (runs ${x.deployed})`
          : x.pinned;
      }),
      r.behind.map((b) => `${b.env} behind ${b.behind} (${b.has} < ${b.sourceHas})`).join('; ') || '-',
    ]);
  const last = v.environments.map((e) => {
    const l = v.last[e];
    return l
      ? `  ${e}: #${l.n} ${l.time} by ${l.actor}, ${l.rollbackTo ? `rollback to #${l.rollbackTo}` : `from ${l.source}`}, plan ${l.plan.slice(0, 19)}, ${l.outcome}`
      : `  ${e}: no promotion recorded`;
  });
  return `promotions:\n${table(rows)}\n\nlast promotion (pnpm history --env ENV):\n${last.join('\n')}\n`;
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
    'An environment with several clusters (`clusters:`) or handed to Argo CD (`argocd:`) also shows',
    "every cluster: the version each runs, Argo CD's sync and health, drift; its row per release sums",
    'them up, naming the clusters that are unreachable, out of sync or not ready.',
    'An environment whose cluster cannot be reached shows "unreachable"; one that fails otherwise',
    '(bad kubeconfig, an API server error, ...) shows "error". Either way the command exits 1.',
    'Then the promotion view: per release, the version in each environment side by side, which',
    'environment is behind the one it promotes from, and the last promotion of each (its audit',
    'trail, environments/<env>/promotions.jsonl); in --json as "promotions".',
  ],
  exitCodes: [
    '0  every environment answered',
    '1  some environment was unreachable or failed, or an error',
    '2  bad usage or input',
  ],
  options: {
    env: { type: 'string', multiple: true },
    json: { type: 'boolean' },
    'skip-upstream': { type: 'boolean' },
    concurrency: { type: 'string' },
    root: { type: 'string' },
  },
  async run({ values }) {
    const concurrency = intFlag(values, 'concurrency', { min: 1, default: 8 });
    const root = (values.root as string | undefined) ?? findRepoRoot();
    const names = (values.env as string[] | undefined) ?? listEnvironments(root);
    const envs = names.map((n) => loadEnvironment(root, n));
    progress(`status of ${envs.map((e) => e.name).join(', ')}`);
    const results = await Promise.all(
      envs.map(async (e) => {
        const targets = await resolveTargets(e);
        progress(`  ${e.name}: ${describeTargets(targets)}`);
        const s = await statusForEnvironment(e, {
          skipUpstream: values['skip-upstream'] === true,
          concurrency,
          targets,
        });
        progress(
          s.error
            ? `  ${e.name}: ${s.reachable ? 'error' : 'unreachable'}: ${s.error}`
            : `  ${e.name}: ${s.releases.length} releases`,
        );
        return s;
      }),
    );
    const records = Object.fromEntries(
      await Promise.all(envs.map(async (e) => [e.name, await readPromotions(root, e.name)] as const)),
    );
    const view = promotionView(
      envs.map((e, i) => ({
        env: e.name,
        ...(e.promotesFrom ? { promotesFrom: e.promotesFrom } : {}),
        releases: results[i]?.releases ?? [],
      })),
      records,
    );
    if (values.json) {
      process.stdout.write(`${JSON.stringify({ environments: results, promotions: view }, null, 2)}\n`);
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
      const notes = results.flatMap((s) =>
        s.error ? [`${s.env}: ${s.reachable ? 'error' : 'unreachable'}: ${s.error}`] : [],
      );
      const driftErrors = [
        ...new Set(
          results.flatMap((s) =>
            s.releases.flatMap((r) => (r.driftError ? [`${r.env}/${r.release}: drift unknown: ${r.driftError}`] : [])),
          ),
        ),
      ];
      // Environments with several clusters, or handed to Argo CD: every cluster, release by release.
      const perCluster = [['ENV', 'CLUSTER', 'RELEASE', 'DEPLOYED', 'SYNC', 'HEALTH', 'DRIFT']];
      for (const s of results)
        for (const c of s.clusters ?? [])
          for (const r of c.releases)
            perCluster.push([
              s.env,
              `${c.cluster}${c.default ? ' (default)' : ''}`,
              r.release,
              r.deployed ?? '-',
              c.reachable ? (r.sync ?? (c.via === 'argocd' ? '?' : '-')) : 'unreachable',
              c.reachable ? `${r.health ?? '?'}${r.message ? `: ${r.message}` : ''}` : 'unreachable',
              c.reachable ? yesNo(r.drift) : '?',
            ]);
      const clusters = perCluster.length > 1 ? `\n${table(perCluster)}\n` : '';
      process.stdout.write(
        `${table(rows)}\n${clusters}${[...notes, ...driftErrors].map((n) => `\n${n}`).join('')}${notes.length + driftErrors.length ? '\n' : ''}\n${formatView(view)}`,
      );
    }
    return results.every((s) => !s.error) ? EXIT.ok : EXIT.failed;
  },
});
