import { $, type ProcessOutput } from 'zx/core';

export interface ExecOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Text for the tool's stdin (closed empty otherwise, so nothing waits on a terminal). */
  input?: string;
}

export interface ExecResult {
  stdout: string;
  stderr: string;
  /** The tool's exit status; null when it could not start or was killed. */
  exitCode: number | null;
  /** Why it could not start (ENOENT, EACCES ...), if so. */
  startError?: string;
}

/**
 * Runs a pinned tool (helm, kubectl, git) through zx's `$`, each argument quoted by zx, and
 * never throws for the tool's exit status: the caller turns a failure into its own one-line
 * UserError. zx's own error (ProcessOutput) is never surfaced because its message carries the
 * whole command line, and arguments can carry credentials (`--password`, `--set` of a secret).
 * Nothing is echoed: `quiet` and no `verbose`.
 */
export async function exec(bin: string, args: readonly string[], o: ExecOptions = {}): Promise<ExecResult> {
  const out: ProcessOutput = await $({
    nothrow: true,
    quiet: true,
    verbose: false,
    input: o.input ?? '',
    ...(o.cwd ? { cwd: o.cwd } : {}),
    env: o.env ?? process.env,
  })`${bin} ${args}`;
  const cause = out.cause ? ((out.cause as NodeJS.ErrnoException).code ?? out.cause.message.split('\n')[0]) : undefined;
  return {
    stdout: out.stdout,
    stderr: out.stderr,
    exitCode: out.exitCode,
    ...(cause ? { startError: cause } : {}),
  };
}
