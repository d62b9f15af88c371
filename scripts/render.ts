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
import { RenderCache, type RenderResult, renderEnvironments } from '@kosmos/render';

await runCommand({
  name: 'render',
  summary: 'helm template every release of one or more environments, deterministically',
  usage: 'pnpm render (--env ENV)... | --all [--release NAME]... [--out DIR] [--skip-upstream] [--json]',
  flags: [
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
