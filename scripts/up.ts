import { EXIT, progress, runCommand, UserError } from '@kosmos/cli';
import {
  defaultStateDir,
  describeTargets,
  findRepoRoot,
  loadEnvironment,
  resolveTargets,
  STAND_IN_VARIABLE,
} from '@kosmos/environment';
import { up } from '@kosmos/testkit';

await runCommand({
  name: 'up',
  summary: 'start the local cluster (kube-apiserver, etcd, 3 simulated K3s nodes) and OCI registry',
  usage: 'pnpm run up [--env ENV] [--json] [--timeout SECONDS]',
  flags: [
    '--env ENV           start the cluster of ENV: dev (the default) or an environment named in',
    `                    ${STAND_IN_VARIABLE} (its stand-in cluster, beside the local registry)`,
    '--json              print the result as JSON on stdout',
    '--timeout SECONDS   how long to wait for each component (default 120)',
    '',
    'Reuses a running environment. State lives in .kosmos/local (KOSMOS_STATE_DIR overrides); a',
    `stand-in's in .kosmos/local/<env>. Example: ${STAND_IN_VARIABLE}=staging,production pnpm run up --env staging`,
    "Note: `pnpm up` is pnpm's own update command; use `pnpm run up`.",
  ],
  options: {
    env: { type: 'string' },
    json: { type: 'boolean' },
    timeout: { type: 'string' },
    root: { type: 'string' },
  },
  async run({ values }) {
    const timeoutMs = values.timeout ? Number(values.timeout) * 1000 : undefined;
    if (timeoutMs !== undefined && !(timeoutMs > 0)) {
      throw new UserError(`--timeout: expected a positive number of seconds, got "${values.timeout}"`, EXIT.usage);
    }
    const stateDir = defaultStateDir();
    const env = values.env
      ? loadEnvironment((values.root as string | undefined) ?? findRepoRoot(), String(values.env))
      : undefined;
    if (env && !env.cluster.local) {
      throw new UserError(
        `${env.name} runs on its own cluster (context ${env.cluster.context}); to stand a local cluster in for it, set ${STAND_IN_VARIABLE}=${env.name}`,
        EXIT.usage,
      );
    }
    const local = await up({ stateDir, log: progress, timeoutMs });
    // A stand-in gets a cluster of its own and shares the local registry.
    const r = env?.standIn
      ? await up({ stateDir: env.standIn.stateDir, log: progress, timeoutMs, registry: local.registry })
      : local;
    if (env) progress(`${env.name}: ${describeTargets(await resolveTargets(env, { stateDir }))}`);
    if (values.json) {
      process.stdout.write(
        `${JSON.stringify({ env: env?.name ?? 'dev', standIn: Boolean(env?.standIn), reused: r.reused, seconds: r.seconds, kubeconfig: r.kubeconfig, registry: `oci://${r.registry}`, server: r.server, kubeVersion: r.kubeVersion, pids: r.daemons.map((d) => ({ name: d.name, pid: d.pid })) }, null, 2)}\n`,
      );
    } else {
      process.stdout.write(
        [
          `${r.reused ? 'already running' : `up in ${r.seconds.toFixed(1)}s`}: Kubernetes ${r.kubeVersion} with 3 simulated nodes${env?.standIn ? ` (stand-in for ${env.name})` : ''}`,
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
