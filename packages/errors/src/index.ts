/**
 * Exit codes every command documents: 0 ok, 1 failure found or operation failed, 2 bad usage or
 * input, 3 a promotion gate refused.
 */
export const EXIT = { ok: 0, failed: 1, usage: 2, refused: 3 } as const;

/**
 * An error written for people: the CLI prints its message (one line per line, no stack trace)
 * and exits with its `exitCode`. Every package's user-facing error extends it, so a new package
 * needs no change to the CLI; anything else that escapes a command is an unexpected error.
 */
export class UserError extends Error {
  override name = 'UserError';
  constructor(
    message: string,
    readonly exitCode: number = EXIT.failed,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
