import { execFile } from 'node:child_process';
import { ensure } from '@kosmos/toolchain';

export class HelmError extends Error {
  override name = 'HelmError';
  constructor(
    message: string,
    readonly args: string[],
    readonly stderr: string,
    readonly exitCode: number | null,
    readonly stdout = '',
  ) {
    super(message);
  }
}

export interface RunOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Larger charts render several MB; helm's output is buffered whole. */
  maxBuffer?: number;
}

export interface RunResult {
  stdout: string;
  stderr: string;
}

/**
 * Runs the real helm CLI (the pinned one from the toolchain). A failure becomes a HelmError whose
 * message is helm's own first error line, which already names the chart, file and field.
 */
export async function runHelm(args: string[], opts: RunOptions = {}): Promise<RunResult> {
  const helm = await ensure('helm');
  return new Promise((resolve, reject) => {
    execFile(
      helm,
      args,
      { cwd: opts.cwd, env: opts.env ?? process.env, maxBuffer: opts.maxBuffer ?? 256 * 1024 * 1024 },
      (err, stdout, stderr) => {
        if (!err) return resolve({ stdout, stderr });
        const line =
          stderr.split('\n').find((l) => l.startsWith('Error:')) ?? stderr.trim().split('\n')[0] ?? err.message;
        reject(
          new HelmError(
            `helm ${args[0]}: ${line.replace(/^Error:\s*/, '')}`,
            args,
            stderr,
            typeof err.code === 'number' ? err.code : null,
            stdout,
          ),
        );
      },
    );
  });
}
