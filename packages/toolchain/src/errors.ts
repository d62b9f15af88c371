/** A toolchain problem a user can act on; its message is printed as is, without a stack. */
export class ToolchainError extends Error {
  override name = 'ToolchainError';
}
