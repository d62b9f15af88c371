import { join } from 'node:path';
import { EXIT, intFlag, progress, runCommand, UserError, writeAtomic } from '@kosmos/cli';
import {
  describeTargets,
  type Environment,
  findRelease,
  findRepoRoot,
  listEnvironments,
  loadEnvironment,
  resolveTargets,
} from '@kosmos/environment';
import { argoApplicationSet, argoManifest, RenderCache, type RenderResult, renderEnvironments } from '@kosmos/render';

await runCommand({
  name: 'render',
  summary: 'helm template every release of one or more environments, deterministically',
  usage:
    'pnpm render (--env ENV)... | --all [--release NAME]... [--out DIR] [--skip-upstream] [--json]\n       pnpm render --env ENV --for argocd [--out DIR] [--json]',
  flags: [
    '--for argocd        the Argo CD ApplicationSet of each environment (its `argocd:` settings) instead',
    '                    of helm template: one Application per release and cluster labelled',
    '                    environment=ENV, charts from the registry at their pins, values inlined;',
    '                    `version: tree` (dev) is refused: Argo CD syncs released charts only',
    '--env ENV           environment under environments/ (repeatable)',
    '--all               every environment',
    '--release NAME      only this release (repeatable)',
    '--out DIR           write DIR/<release>.yaml per release (DIR/<env>/<release>.yaml for several) instead of printing',
    '--skip-upstream     do not render upstream charts (their repositories may be out of reach)',
    '--from SOURCE       auto (tree when the pin equals the tree version), tree, or registry',
    '--concurrency N     helm processes at once, across environments (default 3)',
    '--no-cache          always run helm (the render cache lives in ~/.cache/kosmos-platform/render;',
    '                    KOSMOS_RENDER_CACHE overrides)',
    '--json              print a summary as JSON (with --out)',
    '--root DIR          repository root (default: found from the current folder)',
  ],
  options: {
    env: { type: 'string', multiple: true },
    all: { type: 'boolean' },
    release: { type: 'string', multiple: true },
    out: { type: 'string' },
    'skip-upstream': { type: 'boolean' },
    from: { type: 'string' },
    for: { type: 'string' },
    concurrency: { type: 'string' },
    'no-cache': { type: 'boolean' },
    json: { type: 'boolean' },
    root: { type: 'string' },
  },
  async run({ values }) {
    const root = (values.root as string | undefined) ?? findRepoRoot();
    const names = values.all ? listEnvironments(root) : [...new Set((values.env as string[] | undefined) ?? [])];
    if (values.all && values.env) throw new UserError('--all and --env: give one or the other', EXIT.usage);
    if (names.length === 0) throw new UserError('--env is required (dev, staging or production), or --all', EXIT.usage);
    const from = (values.from as string | undefined) ?? 'auto';
    if (!['auto', 'tree', 'registry'].includes(from))
      throw new UserError(`--from: expected auto, tree or registry, got "${from}"`, EXIT.usage);
    const concurrency = intFlag(values, 'concurrency', { min: 1, default: 3 });
    // Every environment is read and checked before helm runs once.
    const envs = names.map((n) => loadEnvironment(root, n));
    if (values.for !== undefined) {
      if (values.for !== 'argocd') throw new UserError(`--for: expected argocd, got "${values.for}"`, EXIT.usage);
      if (values.release)
        throw new UserError('--release and --for argocd: the ApplicationSet holds every release', EXIT.usage);
      return renderForArgo(envs, values.out as string | undefined, values.json === true);
    }
    const only = values.release as string[] | undefined;
    // A release name must exist in at least one environment rendered (in each, with one environment).
    for (const r of only ?? [])
      if (envs.length === 1 || !envs.some((e) => e.releases.some((x) => x.name === r)))
        findRelease(envs[0] as Environment, r);
    const several = envs.length > 1;
    const cache = values['no-cache'] ? false : new RenderCache();
    const started = Date.now();
    const results: RenderResult[] = await renderEnvironments(
      envs,
      async (env) => {
        const targets = await resolveTargets(env);
        progress(`render ${env.name}: ${describeTargets(targets, { cluster: false })}`);
        const prefix = several ? `${env.name}/` : '';
        return {
          ...(only ? { only } : {}),
          cache,
          prefer: from as 'auto' | 'tree' | 'registry',
          upstream: values['skip-upstream'] ? 'skip' : 'render',
          ...(targets.registry ? { registryUrl: targets.registry } : {}),
          onRelease: (r) =>
            progress(`rendered ${prefix}${r.release.name} (${r.objects.length} objects${r.cached ? ', cached' : ''})`),
        };
      },
      concurrency,
    );
    for (const res of results)
      for (const s of res.skipped)
        progress(`skipped ${several ? `${res.env.name}/` : ''}${s.release.name}: ${s.reason}`);
    const seconds = (Date.now() - started) / 1000;
    if (values.out) {
      const dir = values.out as string;
      const fileOf = (env: string, release: string) =>
        several ? join(dir, env, `${release}.yaml`) : join(dir, `${release}.yaml`);
      await Promise.all(
        results.flatMap((res) =>
          res.rendered.map((r) => writeAtomic(fileOf(res.env.name, r.release.name), r.manifest)),
        ),
      );
      const summary = results.flatMap((res) =>
        res.rendered.map((r) => ({
          ...(several ? { env: res.env.name } : {}),
          release: r.release.name,
          objects: r.objects.length,
          file: fileOf(res.env.name, r.release.name),
          source: r.source,
          cached: r.cached,
        })),
      );
      const skipped = results.flatMap((res) =>
        res.skipped.map((s) => ({
          ...(several ? { env: res.env.name } : {}),
          release: s.release.name,
          reason: s.reason,
        })),
      );
      if (values.json)
        process.stdout.write(
          `${JSON.stringify({ ...(several ? { envs: names } : { env: names[0] }), seconds, releases: summary, skipped }, null, 2)}\n`,
        );
      else process.stdout.write(`${summary.map((s) => `${s.file}  ${s.objects} objects`).join('\n')}\n`);
    } else {
      process.stdout.write(
        results
          .map(
            (res) => (several ? `# Environment: ${res.env.name}\n` : '') + res.rendered.map((r) => r.manifest).join(''),
          )
          .join(''),
      );
    }
    const count = results.reduce((n, r) => n + r.rendered.length, 0);
    const hits = results.reduce((n, r) => n + r.rendered.filter((x) => x.cached).length, 0);
    progress(
      `rendered ${count} releases of ${names.join(', ')} in ${seconds.toFixed(2)}s${cache ? ` (${hits} from the render cache)` : ''}`,
    );
    return EXIT.ok;
  },
});

/** `--for argocd`: every ApplicationSet is built (and may refuse) before anything is written. */
async function renderForArgo(envs: Environment[], out: string | undefined, json: boolean): Promise<number> {
  const docs = await Promise.all(
    envs.map(async (env) => {
      const targets = await resolveTargets(env);
      progress(`render ${env.name} for Argo CD: ${describeTargets(targets, { cluster: false })}`);
      const o = targets.registry ? { registryUrl: targets.registry } : {};
      argoApplicationSet(env, o);
      return { env: env.name, manifest: argoManifest(env, o), releases: env.releases.length };
    }),
  );
  const fileOf = (env: string) =>
    envs.length > 1 ? join(out ?? '', env, 'applicationset.yaml') : join(out ?? '', 'applicationset.yaml');
  if (out) await Promise.all(docs.map((d) => writeAtomic(fileOf(d.env), d.manifest)));
  if (json)
    process.stdout.write(
      `${JSON.stringify({ for: 'argocd', environments: docs.map((d) => ({ env: d.env, releases: d.releases, ...(out ? { file: fileOf(d.env) } : { manifest: d.manifest }) })) }, null, 2)}\n`,
    );
  else if (out) process.stdout.write(`${docs.map((d) => `${fileOf(d.env)}  ApplicationSet ${d.env}`).join('\n')}\n`);
  else process.stdout.write(docs.map((d) => d.manifest).join(''));
  return EXIT.ok;
}
