import { EXIT, UserError } from '@kosmos/errors';

/**
 * A deploy that cannot start or go on, for a reason written for people: the CLI prints the
 * message as one line and exits with its code (2 for bad input, 1 otherwise).
 */
export class DeployError extends UserError {
  override name = 'DeployError';
  constructor(message: string, exitCode: number = EXIT.failed) {
    super(message, exitCode);
  }
}
