import { EXIT, progress, runCommand, UserError, writeAtomic } from '@kosmos/cli';
import { describeTargets, findRepoRoot, loadAll, loadEnvironment, resolveTargets } from '@kosmos/environment';
import { ALL_RULES, counts, type Format, format, lintEnvironments, POLICY_RULES, summaryLine } from '@kosmos/lint';

const FORMATS = ['text', 'json', 'sarif'] as const;

await runCommand({
  name: 'lint',
  summary: 'helm lint, values schemas, Kubernetes/CRD schemas and policy rules over rendered environments',
  usage: 'pnpm lint [--env E] [--format text|json|sarif] [--output FILE] [--skip-upstream]',
  flags: [
    '--env E             lint one environment (default: all of them)',
    '--format F          text (default), json or sarif (SARIF 2.1.0 for GitHub code scanning)',
    '--output FILE       write the report to FILE (atomically) instead of stdout',
    '--skip-upstream     do not render upstream charts (their repositories may be out of reach)',
    '--root DIR          repository root (default: found from the current folder)',
    '',
    'Layers: helm lint --strict per chart and environment; values files against values.schema.json;',
    "rendered objects against the environment's Kubernetes OpenAPI and the pinned CRD schemas;",
    'policy rules:',
    ...POLICY_RULES.map((r) => `  ${r.id.padEnd(28)} ${r.severity.padEnd(7)} ${r.description}`),
  ],
  exitCodes: [
    '0  no findings at error level (warnings allowed)',
    '1  findings at error level',
    '2  bad usage or input (unknown environment, invalid environment file)',
  ],
  options: {
    env: { type: 'string' },
    format: { type: 'string' },
    output: { type: 'string' },
    'skip-upstream': { type: 'boolean' },
    root: { type: 'string' },
  },
  async run({ values }) {
    const fmt = (values.format ?? 'text') as Format;
    if (!FORMATS.includes(fmt))
      throw new UserError(`--format: expected one of ${FORMATS.join(', ')}, got "${fmt}"`, EXIT.usage);
    const root = (values.root as string | undefined) ?? findRepoRoot();
    const envs = values.env ? [loadEnvironment(root, String(values.env))] : loadAll(root);
    const started = Date.now();
    let shown = false;
    for (const e of envs) progress(`lint ${e.name}: ${describeTargets(await resolveTargets(e), { cluster: false })}`);
    const report = await lintEnvironments(root, envs, {
      skipUpstream: Boolean(values['skip-upstream']),
      // Progress only once the work has taken more than a second.
      progress: (line) => {
        if (shown || Date.now() - started > 1000) {
          shown = true;
          progress(`lint: ${line}`);
        }
      },
    });
    const text = format(report, fmt, ALL_RULES);
    if (values.output) {
      await writeAtomic(String(values.output), text);
      process.stderr.write(`lint: ${summaryLine(report)}; report written to ${values.output}\n`);
    } else {
      process.stdout.write(text);
      if (fmt !== 'text') process.stderr.write(`lint: ${summaryLine(report)}\n`);
    }
    return counts(report.findings).error > 0 ? EXIT.failed : EXIT.ok;
  },
});
