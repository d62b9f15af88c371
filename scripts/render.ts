import { join } from 'node:path';
import { EXIT, intFlag, progress, runCommand, UserError, writeAtomic } from '@kosmos/cli';
import { describeTargets, findRelease, findRepoRoot, loadEnvironment, resolveTargets } from '@kosmos/environment';
import { renderEnvironment } from '@kosmos/render';

await runCommand({
  name: 'render',
  summary: 'helm template every release of an environment, deterministically',
  usage: 'pnpm render --env ENV [--release NAME]... [--out DIR] [--skip-upstream] [--json]',
  flags: [
    '--env ENV           environment under environments/ (required)',
    '--release NAME      only this release (repeatable)',
    '--out DIR           write DIR/<release>.yaml per release instead of printing',
    '--skip-upstream     do not render upstream charts (their repositories may be out of reach)',
    '--from SOURCE       auto (tree when the pin equals the tree version), tree, or registry',
    '--concurrency N     helm processes at once (default 3)',
    '--json              print a summary as JSON (with --out)',
    '--root DIR          repository root (default: found from the current folder)',
  ],
  options: {
    env: { type: 'string' },
    release: { type: 'string', multiple: true },
    out: { type: 'string' },
    'skip-upstream': { type: 'boolean' },
    from: { type: 'string' },
    concurrency: { type: 'string' },
    json: { type: 'boolean' },
    root: { type: 'string' },
  },
  async run({ values }) {
    if (!values.env) throw new UserError('--env is required (dev, staging or production)', EXIT.usage);
    const from = (values.from as string | undefined) ?? 'auto';
    if (!['auto', 'tree', 'registry'].includes(from))
      throw new UserError(`--from: expected auto, tree or registry, got "${from}"`, EXIT.usage);
    const concurrency = intFlag(values, 'concurrency', { min: 1, default: 3 });
    const root = (values.root as string | undefined) ?? findRepoRoot();
    const env = loadEnvironment(root, values.env as string);
    const only = values.release as string[] | undefined;
    for (const r of only ?? []) findRelease(env, r);
    const targets = await resolveTargets(env);
    progress(`render ${env.name}: ${describeTargets(targets, { cluster: false })}`);
    const started = Date.now();
    const result = await renderEnvironment(env, {
      ...(only ? { only } : {}),
      concurrency,
      prefer: from as 'auto' | 'tree' | 'registry',
      upstream: values['skip-upstream'] ? 'skip' : 'render',
      ...(targets.registry ? { registryUrl: targets.registry } : {}),
      onRelease: (r) => progress(`rendered ${r.release.name} (${r.objects.length} objects)`),
    });
    for (const s of result.skipped) progress(`skipped ${s.release.name}: ${s.reason}`);
    const seconds = (Date.now() - started) / 1000;
    if (values.out) {
      const dir = values.out as string;
      await Promise.all(result.rendered.map((r) => writeAtomic(join(dir, `${r.release.name}.yaml`), r.manifest)));
      const summary = result.rendered.map((r) => ({
        release: r.release.name,
        objects: r.objects.length,
        file: join(dir, `${r.release.name}.yaml`),
        source: r.source,
      }));
      if (values.json)
        process.stdout.write(
          `${JSON.stringify({ env: env.name, seconds, releases: summary, skipped: result.skipped.map((s) => ({ release: s.release.name, reason: s.reason })) }, null, 2)}\n`,
        );
      else process.stdout.write(`${summary.map((s) => `${s.file}  ${s.objects} objects`).join('\n')}\n`);
    } else {
      process.stdout.write(result.rendered.map((r) => r.manifest).join(''));
    }
    progress(`rendered ${result.rendered.length} releases of ${env.name} in ${seconds.toFixed(2)}s`);
    return EXIT.ok;
  },
});
