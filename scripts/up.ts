import { EXIT, progress, runCommand, UserError } from '@kosmos/cli';
import { defaultStateDir } from '@kosmos/environment';
import { up } from '@kosmos/testkit';

await runCommand({
  name: 'up',
  summary: 'start the local cluster (kube-apiserver, etcd, 3 simulated K3s nodes) and OCI registry',
  usage: 'pnpm run up [--json] [--timeout SECONDS]',
  flags: [
    '--json              print the result as JSON on stdout',
    '--timeout SECONDS   how long to wait for each component (default 120)',
    '',
    'Reuses a running environment. State lives in .kosmos/local (KOSMOS_STATE_DIR overrides).',
    "Note: `pnpm up` is pnpm's own update command; use `pnpm run up`.",
  ],
  options: { json: { type: 'boolean' }, timeout: { type: 'string' } },
  async run({ values }) {
    const timeoutMs = values.timeout ? Number(values.timeout) * 1000 : undefined;
    if (timeoutMs !== undefined && !(timeoutMs > 0)) {
      throw new UserError(`--timeout: expected a positive number of seconds, got "${values.timeout}"`, EXIT.usage);
    }
    const stateDir = defaultStateDir();
    const r = await up({ stateDir, log: progress, timeoutMs });
    if (values.json) {
      process.stdout.write(
        `${JSON.stringify({ reused: r.reused, seconds: r.seconds, kubeconfig: r.kubeconfig, registry: `oci://${r.registry}`, server: r.server, kubeVersion: r.kubeVersion, pids: r.daemons.map((d) => ({ name: d.name, pid: d.pid })) }, null, 2)}\n`,
      );
    } else {
      process.stdout.write(
        [
          `${r.reused ? 'already running' : `up in ${r.seconds.toFixed(1)}s`}: Kubernetes ${r.kubeVersion} with 3 simulated nodes`,
          `kubeconfig: ${r.kubeconfig}`,
          `registry:   oci://${r.registry}  (helm: --plain-http)`,
          `try:        kubectl --kubeconfig ${r.kubeconfig} get nodes`,
          '',
        ].join('\n'),
      );
    }
    return EXIT.ok;
  },
});
