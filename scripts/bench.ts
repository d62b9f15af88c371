import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EXIT, intFlag, progress, runCommand, UserError, writeAtomic } from '@kosmos/cli';
import { findRepoRoot } from '@kosmos/environment';
import { benchmarks, machine, resultsMarkdown, runBenchmark } from '../bench/bench.ts';

await runCommand({
  name: 'bench',
  summary: 'time our verbs against what users run instead; writes bench/RESULTS.md and bench/results.json',
  usage: 'pnpm bench [--rounds N] [--only NAME]... [--json]',
  flags: [
    '--rounds N          timed rounds of each side (default 5)',
    '--only NAME         only this benchmark (repeatable)',
    '--notes FILE        append FILE (what the profiles showed) to RESULTS.md (default bench/NOTES.md)',
    '--json              print the results as JSON',
    '',
    'Never part of `pnpm test`. Uses the local cluster and registry where a benchmark needs them.',
  ],
  options: {
    rounds: { type: 'string' },
    only: { type: 'string', multiple: true },
    notes: { type: 'string' },
    json: { type: 'boolean' },
  },
  async run({ values }) {
    const root = findRepoRoot();
    const rounds = intFlag(values, 'rounds', { min: 1, default: 5 });
    const all = await benchmarks(root);
    const only = values.only as string[] | undefined;
    for (const o of only ?? [])
      if (!all.some((b) => b.name === o))
        throw new UserError(`--only: no benchmark "${o}" (known: ${all.map((b) => b.name).join(', ')})`, EXIT.usage);
    const chosen = only ? all.filter((b) => only.includes(b.name)) : all;
    const results = chosen.map((b) => runBenchmark(b, root, rounds, progress));
    const m = await machine();
    const when = new Date().toISOString();
    let notes = '';
    try {
      notes = readFileSync((values.notes as string | undefined) ?? join(root, 'bench', 'NOTES.md'), 'utf8');
    } catch {}
    mkdirSync(join(root, 'bench'), { recursive: true });
    await writeAtomic(
      join(root, 'bench', 'RESULTS.md'),
      `${resultsMarkdown(results, m, rounds, when)}${notes ? `\n${notes}` : ''}`,
    );
    await writeAtomic(
      join(root, 'bench', 'results.json'),
      `${JSON.stringify({ when, rounds, machine: m, results }, null, 2)}\n`,
    );
    if (values.json) process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
    else process.stdout.write(`${resultsMarkdown(results, m, rounds, when)}`);
    return EXIT.ok;
  },
});
