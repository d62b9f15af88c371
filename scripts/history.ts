import { EXIT, progress, runCommand, table, UserError } from '@kosmos/cli';
import { findRepoRoot, loadEnvironment, promotionsPath, readPromotions } from '@kosmos/environment';

await runCommand({
  name: 'history',
  summary: "an environment's promotions, from its audit trail (environments/<env>/promotions.jsonl)",
  usage: 'pnpm history --env ENV [--json] [--root DIR]',
  flags: [
    '--env ENV           the environment whose promotions are listed',
    '--json              the records as JSON on stdout (each with its number n)',
    '--root DIR          repository root (default: found from the current folder)',
    '',
    'One record per promotion written by pnpm promote (rollbacks included), oldest first: time,',
    'actor, source, plan digest, pins changed, gates, outcome. The number is what',
    'pnpm promote --rollback --env ENV --to N restores.',
  ],
  exitCodes: ['0  listed (possibly none)', '1  failed', '2  bad usage or input (unknown environment, a bad record)'],
  options: {
    env: { type: 'string' },
    json: { type: 'boolean' },
    root: { type: 'string' },
  },
  async run({ values }) {
    if (!values.env) throw new UserError('--env is required (e.g. --env staging)', EXIT.usage);
    const root = (values.root as string | undefined) ?? findRepoRoot();
    const env = loadEnvironment(root, values.env as string);
    const records = await readPromotions(root, env.name);
    if (values.json) {
      process.stdout.write(`${JSON.stringify({ env: env.name, promotions: records }, null, 2)}\n`);
      return EXIT.ok;
    }
    if (!records.length) {
      progress(`${env.name}: no promotions recorded (${promotionsPath(root, env.name).slice(root.length + 1)})`);
      return EXIT.ok;
    }
    const rows = [['#', 'TIME', 'ACTOR', 'FROM', 'PLAN', 'PINS', 'OUTCOME']];
    for (const r of records) {
      rows.push([
        String(r.n),
        r.time,
        r.actor,
        r.rollbackTo ? `rollback to #${r.rollbackTo}` : r.source,
        r.plan.slice(0, 19),
        r.changes
          .map(
            (c) =>
              `${c.release} ${c.what.replace(/^(chart|image) /, '')} ${c.from || '""'}->${c.to.length > 24 ? `${c.to.slice(0, 19)}…` : c.to}`,
          )
          .join('; ') || '-',
        r.outcome,
      ]);
    }
    process.stdout.write(`${table(rows)}\n`);
    return EXIT.ok;
  },
});
