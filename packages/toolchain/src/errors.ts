/** A toolchain problem a user can act on; its message is printed as is, without a stack. */
import { UserError } from '@kosmos/errors';
export class ToolchainError extends UserError {
  override name = 'ToolchainError';
}
