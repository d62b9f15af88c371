import { EXIT, runCommand, UserError } from '@kosmos/cli';
import { findRepoRoot, loadEnvironment } from '@kosmos/environment';
import { explainRelease, formatJson, formatText } from '@kosmos/explain';

await runCommand({
  name: 'explain',
  summary: 'where a value of a release comes from: every layer that sets it (file:line:col) and the final value',
  usage: 'pnpm explain --env ENV --release NAME [KEY] [--blame] [--json]',
  flags: [
    '--env ENV           environment under environments/ (required)',
    '--release NAME      release of that environment (required)',
    'KEY                 a dotted path (agentDefaults.replicaCount, agents.zeus-orchestrator.image.tag,',
    '                    a.b[0].c, commonLabels["app.kubernetes.io/part-of"]); a map is explained key',
    '                    by key; without KEY, every value of the release',
    '--blame             also name the commit that last wrote each line (git blame, one per file)',
    '--json              print the explanation as JSON on stdout (for CI)',
    '--root DIR          repository root (default: found from the current folder)',
    '',
    "Layers, in helm's order: the chart's values.yaml (the tree's, or at the git tag <chart>@<version>",
    "when the pin is another version; upstream charts' defaults are not kept here, which is said),",
    "then each values file of the release in environment.yaml's order. Maps merge, lists and scalars",
    'replace, null deletes. Image pins in environments that promote in are marked as written by',
    'pnpm promote (it edits those files in place). Secret-looking values are shown as <hidden>.',
  ],
  exitCodes: ['0  explained', '2  unknown environment, release or key, or bad usage'],
  allowPositionals: true,
  options: {
    env: { type: 'string' },
    release: { type: 'string' },
    blame: { type: 'boolean' },
    json: { type: 'boolean' },
    root: { type: 'string' },
  },
  async run({ values, positionals }) {
    if (!values.env) throw new UserError('--env is required (dev, staging or production)', EXIT.usage);
    if (!values.release) throw new UserError('--release is required (a release of the environment)', EXIT.usage);
    if (positionals.length > 1)
      throw new UserError(`one KEY at most, got ${positionals.length}: ${positionals.join(' ')}`, EXIT.usage);
    const root = (values.root as string | undefined) ?? findRepoRoot();
    const env = loadEnvironment(root, values.env as string);
    const e = explainRelease(root, env, values.release as string, positionals[0], { blame: values.blame === true });
    process.stdout.write(values.json ? formatJson(e) : formatText(e));
    return EXIT.ok;
  },
});
