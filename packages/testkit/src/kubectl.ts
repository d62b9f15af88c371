import { spawn } from 'node:child_process';

export class KubectlError extends Error {
  override name = 'KubectlError';
}

/** Runs kubectl against a kubeconfig; stdin optional; rejects with kubectl's own error text. */
export function kubectl(bin: string, kubeconfig: string, args: string[], input?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, ['--kubeconfig', kubeconfig, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0
        ? resolve(out)
        : reject(new KubectlError(`kubectl ${args.slice(0, 2).join(' ')}: ${err.trim() || `exit ${code}`}`)),
    );
    child.stdin.end(input ?? '');
  });
}
