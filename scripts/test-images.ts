import { readFile } from 'node:fs/promises';
import { relative } from 'node:path';
import { EXIT, progress, runCommand, UserError } from '@kosmos/cli';
import { defaultStateDir, findRepoRoot, loadAll, readState } from '@kosmos/environment';
import { imagePins } from '@kosmos/promote';
import { pushTestImages } from '@kosmos/testkit';
import { ensure } from '@kosmos/toolchain';

await runCommand({
  name: 'test-images',
  summary: 'push a small stand-in image for every image the environments pin to the local registry',
  usage: 'pnpm run test-images [--json] [--root DIR]',
  flags: [
    '--json              print each image and its digest as JSON',
    '--root DIR          repository root (default: found from the current folder)',
    '',
    'On stand-in clusters (KOSMOS_LOCAL_CLUSTERS) the local registry mirrors every image registry,',
    'so docker.io/library/postgres:17.6-alpine is looked up as <local registry>/library/postgres:17.6-alpine.',
    'This pushes one tiny image (crane, one layer naming the image) per pinned repository:tag there,',
    'so that promote resolves real digests. Images already there are left alone.',
  ],
  options: { json: { type: 'boolean' }, root: { type: 'string' } },
  async run({ values }) {
    const root = (values.root as string | undefined) ?? findRepoRoot();
    const state = await readState(defaultStateDir());
    if (!state) throw new UserError('the local registry is not running (start it with `pnpm run up`)', EXIT.failed);
    const wanted = new Map<string, { repository: string; tag: string }>();
    for (const env of loadAll(root, { standIns: [] })) {
      for (const r of env.releases) {
        const values = await Promise.all(
          r.values.map(async (f) => ({ file: relative(root, f), text: await readFile(f, 'utf8') })),
        );
        for (const p of imagePins({ release: r.name, values }).pins)
          wanted.set(`${p.repository}:${p.tag}`, { repository: p.repository, tag: p.tag });
      }
    }
    const crane = await ensure('crane', { log: progress });
    progress(`test images: ${wanted.size} pinned images -> ${state.registry}`);
    const pushed = await pushTestImages({
      registry: state.registry,
      crane,
      images: [...wanted.values()],
      log: progress,
    });
    if (values.json) process.stdout.write(`${JSON.stringify(pushed, null, 2)}\n`);
    else
      process.stdout.write(
        `${pushed.filter((p) => p.pushed).length} pushed, ${pushed.filter((p) => !p.pushed).length} already there, in ${state.registry}\n`,
      );
    return EXIT.ok;
  },
});
