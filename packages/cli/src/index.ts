import { type ParseArgsConfig, parseArgs } from 'node:util';

import { EXIT, UserError } from '@kosmos/errors';

// Re-exported so a command needs one import for flags, output and errors.
export { EXIT, UserError };

type Options = NonNullable<ParseArgsConfig['options']>;

export interface CommandSpec<O extends Options> {
  name: string;
  summary: string;
  usage: string;
  /** Flag docs, one line each, shown by --help. */
  flags: string[];
  exitCodes?: string[];
  options: O;
  allowPositionals?: boolean;
  run: (args: { values: Record<string, unknown>; positionals: string[] }) => Promise<number | undefined>;
}

function helpText<O extends Options>(s: CommandSpec<O>): string {
  const codes = s.exitCodes ?? ['0  success', '1  the operation failed', '2  bad usage or input'];
  return [
    `${s.name} — ${s.summary}`,
    '',
    `Usage: ${s.usage}`,
    '',
    'Options:',
    ...s.flags.map((f) => `  ${f}`),
    '  --debug             print stack traces for errors',
    '  -h, --help          show this help',
    '',
    'Exit codes:',
    ...codes.map((c) => `  ${c}`),
    '',
  ].join('\n');
}

/**
 * Runs a command: parses flags (unknown flags are a usage error), prints --help, turns thrown
 * errors into one line on stderr with the right exit code, and sets process.exitCode.
 */
export async function runCommand<O extends Options>(spec: CommandSpec<O>, argv = process.argv.slice(2)): Promise<void> {
  const options = { ...spec.options, help: { type: 'boolean', short: 'h' }, debug: { type: 'boolean' } } as Options;
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: argv, options, allowPositionals: spec.allowPositionals ?? false, strict: true });
  } catch (e) {
    process.stderr.write(`${spec.name}: ${(e as Error).message} (see --help)\n`);
    process.exitCode = EXIT.usage;
    return;
  }
  if (parsed.values.help) {
    process.stdout.write(helpText(spec));
    process.exitCode = EXIT.ok;
    return;
  }
  try {
    process.exitCode = (await spec.run({ values: parsed.values, positionals: parsed.positionals })) ?? EXIT.ok;
  } catch (e) {
    const err = e instanceof Error ? e : new Error(String(e));
    if (parsed.values.debug) process.stderr.write(`${spec.name}: ${err.stack ?? err.message}\n`);
    else if (err instanceof UserError) {
      process.stderr.write(
        `${err.message
          .split('\n')
          .map((l) => `${spec.name}: ${l}`)
          .join('\n')}\n`,
      );
    } else
      process.stderr.write(
        `${spec.name}: unexpected error: ${err.message.split('\n')[0]} (rerun with --debug for details)\n`,
      );
    // Only errors written for users choose the exit code: a tool's own exit status (helm's, say)
    // must not leak out as one of ours.
    process.exitCode = err instanceof UserError ? err.exitCode : EXIT.failed;
  }
}

/** Progress goes to stderr so stdout stays clean for --json. */
export function progress(line: string): void {
  process.stderr.write(`${line}\n`);
}

/** Fixed-width text table for people. */
export function table(rows: string[][]): string {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  return rows
    .map((r) =>
      r
        .map((c, i) => c.padEnd(widths[i] ?? 0))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}
export { writeAtomic, writeAtomicSync } from './files.ts';

/** A whole-number flag (`--concurrency 4`), checked once: a bad value is a usage error. */
export function intFlag(values: Record<string, unknown>, name: string, o: { min: number; default: number }): number {
  const raw = values[name];
  if (raw === undefined) return o.default;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < o.min) {
    throw new UserError(`--${name}: expected a whole number ≥ ${o.min}, got "${String(raw)}"`, EXIT.usage);
  }
  return n;
}
