/**
 * A deploy that cannot start or go on, for a reason written for people: the CLI prints the
 * message as one line and exits with `exitCode` (2 for bad input, 1 otherwise).
 */
export class DeployError extends Error {
  override name = 'DeployError';
  readonly userFacing = true;
  constructor(
    message: string,
    readonly exitCode: number = 1,
  ) {
    super(message);
  }
}
