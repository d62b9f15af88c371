import { UserError } from '@kosmos/errors';
import { exec } from '@kosmos/toolchain';

export class KubectlError extends UserError {
  override name = 'KubectlError';
}

/**
 * Runs kubectl against a kubeconfig; stdin optional; rejects with kubectl's own error text and
 * only the verb and resource of the call (the rest can carry credentials).
 */
export async function kubectl(bin: string, kubeconfig: string, args: string[], input?: string): Promise<string> {
  const r = await exec(bin, ['--kubeconfig', kubeconfig, ...args], { input: input ?? '' });
  if (r.exitCode === 0) return r.stdout;
  throw new KubectlError(
    `kubectl ${args.slice(0, 2).join(' ')}: ${r.stderr.trim() || r.startError || `exit ${r.exitCode}`}`,
  );
}
