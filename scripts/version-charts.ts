import { progress, runCommand } from '@kosmos/cli';
import { findRepoRoot } from '@kosmos/environment';
import { versionCharts } from '@kosmos/release';

await runCommand({
  name: 'version-charts',
  summary: 'apply the pending changesets: bump package.json, Chart.yaml, CHANGELOG.md and artifacthub.io/changes',
  usage: 'pnpm version-charts [--json] [--root DIR]',
  flags: [
    '--json              print the bumped charts as JSON on stdout',
    '--root DIR          repository root (default: found from the current folder)',
    '',
    'Runs changesets’ own `changeset version` (package.json versions, CHANGELOG.md per chart, the',
    'consumed .changeset/*.md removed), then writes each new version into Chart.yaml, the',
    '`dependencies[].version` of every chart that vendors a bumped chart (and its Chart.lock), and',
    'the `artifacthub.io/changes` annotation from the same changesets. Comments and formatting of',
    'Chart.yaml are kept. A summary may start with an Artifact Hub kind: "fixed: …", "security: …".',
  ],
  options: { json: { type: 'boolean' }, root: { type: 'string' } },
  async run({ values }) {
    const result = await versionCharts((values.root as string | undefined) ?? findRepoRoot(), progress);
    if (values.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    else
      process.stdout.write(
        result.charts.length === 0
          ? 'no changesets: nothing to version\n'
          : `${result.charts.map((c) => `${c.chart}: ${c.from} → ${c.to}`).join('\n')}\nreview, commit, then pnpm release\n`,
      );
    return 0;
  },
});
