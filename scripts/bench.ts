import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EXIT, intFlag, progress, runCommand, UserError, writeAtomic } from '@kosmos/cli';
import { findRepoRoot } from '@kosmos/environment';
import { benchmarks, machine, type Result, resultsMarkdown, runBenchmark, stopScenes } from '../bench/bench.ts';

await runCommand({
  name: 'bench',
  summary: 'time our verbs against what users run instead; writes bench/RESULTS.md and bench/results.json',
  usage: 'pnpm bench [--rounds N] [--only NAME]... [--json]',
  flags: [
    '--rounds N          timed rounds of each side (default 5)',
    '--only NAME         only this benchmark (repeatable)',
    '--notes FILE        append FILE (what the profiles showed) to RESULTS.md (default bench/NOTES.md)',
    '--json              print the results as JSON',
    '--merge             keep the other benchmarks of bench/results.json, replace only those run now',
    '',
    'Never part of `pnpm test`. Uses the local cluster and registry where a benchmark needs them.',
  ],
  options: {
    rounds: { type: 'string' },
    only: { type: 'string', multiple: true },
    notes: { type: 'string' },
    json: { type: 'boolean' },
    merge: { type: 'boolean' },
  },
  async run({ values }) {
    const root = findRepoRoot();
    const rounds = intFlag(values, 'rounds', { min: 1, default: 5 });
    // Folders the benchmarks made (copies, caches, the scene's cluster state), removed at the end.
    const scratch: string[] = [];
    const all = await benchmarks(root, progress, scratch);
    const only = values.only as string[] | undefined;
    for (const o of only ?? [])
      if (!all.some((b) => b.name === o))
        throw new UserError(`--only: no benchmark "${o}" (known: ${all.map((b) => b.name).join(', ')})`, EXIT.usage);
    const chosen = only ? all.filter((b) => only.includes(b.name)) : all;
    const loadBefore = readFileSync('/proc/loadavg', 'utf8').trim();
    const results: Result[] = [];
    try {
      for (const b of chosen) {
        // One benchmark that fails (its scene cannot be set up, a command exits badly) is a row
        // saying so; the others still run and RESULTS.md is still written.
        try {
          const facts = b.pending ? undefined : await b.prepare?.();
          const r = runBenchmark(b, root, rounds, progress, facts ?? undefined);
          const more = b.pending ? undefined : b.after?.();
          if (more) r.facts = { ...r.facts, ...more };
          results.push(r);
        } catch (e) {
          progress(`${b.name}: failed: ${(e as Error).message}`);
          results.push({
            name: b.name,
            what: b.what,
            baselineName: b.baselineName,
            pending: `failed in this run: ${(e as Error).message.split('\n')[0]?.slice(0, 300)}`,
          });
        }
      }
    } finally {
      await stopScenes(scratch);
    }
    let kept: string | undefined;
    if (values.merge) {
      // Rows of an earlier run kept as they were (their own time and load are in results.json).
      try {
        const before = JSON.parse(readFileSync(join(root, 'bench', 'results.json'), 'utf8')) as {
          when: string;
          machine: Record<string, string>;
          results: Result[];
        };
        kept = `${before.results
          .filter((r) => !results.some((x) => x.name === r.name))
          .map((r) => r.name)
          .join(', ')} from the run of ${before.when} (load then: ${before.machine.load})`;
        const now = new Map(results.map((r) => [r.name, r]));
        const merged = before.results.map((r) => now.get(r.name) ?? r);
        for (const r of results) if (!merged.includes(r)) merged.push(r);
        results.splice(0, results.length, ...merged);
      } catch {}
    }
    const m = {
      ...(await machine()),
      'load before (1/5/15 min, running/total tasks)': loadBefore,
      ...(kept ? { 'rows kept from an earlier run': kept } : {}),
    };
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
