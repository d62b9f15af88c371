import { spawn } from 'node:child_process';
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

/**
 * The same contract as `exec`, without a shell: the tool is started directly (node's `spawn`,
 * `shell: false`), so no argument is ever parsed by a shell and no `bash` process is started per
 * call. For the hot path: a cold render starts one helm per release, and the profile showed a
 * shell (and zx's own bookkeeping) per helm call as a share of the render's CPU.
 */
export function execDirect(bin: string, args: readonly string[], o: ExecOptions = {}): Promise<ExecResult> {
  return new Promise((done) => {
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let startError: string | undefined;
    const child = spawn(bin, args, {
      ...(o.cwd ? { cwd: o.cwd } : {}),
      env: o.env ?? process.env,
      stdio: ['pipe', 'pipe', 'pipe'],
      shell: false,
    });
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    child.on('error', (e: NodeJS.ErrnoException) => {
      startError ??= e.code ?? e.message.split('\n')[0];
    });
    // A tool that exits before reading its stdin closes the pipe: not our error.
    child.stdin.on('error', () => {});
    child.stdin.end(o.input ?? '');
    child.on('close', (code) => {
      done({
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
        exitCode: startError ? null : code,
        ...(startError ? { startError } : {}),
      });
    });
  });
}
