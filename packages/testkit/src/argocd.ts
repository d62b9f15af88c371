/**
 * Argo CD run natively against the local clusters, as the other controllers are: its application
 * controller, ApplicationSet controller and repo server (one binary, picked by the name it runs
 * as), with Debian's redis-server as their cache. No API server, UI or Dex: the fleet tests drive
 * Argo CD through its custom resources, as `pnpm render --for argocd` and `pnpm status` do.
 *
 * The control plane is one local cluster (its CRDs, namespace, settings and AppProject are put
 * there); the sites it deploys to are registered as cluster Secrets holding their client
 * certificates, the way `argocd cluster add` registers a cluster.
 */
import { readFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { dirname, join } from 'node:path';
import { ensure, findSystemTool, SYSTEM_TOOLS, ToolchainError } from '@kosmos/toolchain';
import { ARGOCD_CRD_SOURCE, crdFiles } from '@kosmos/upstream';
import { parse, stringify } from 'yaml';
import { type Controller, type ControllerBase, folder, launch } from './controllers.ts';
import { kubectl } from './kubectl.ts';
import { freePorts } from './ports.ts';
import { waitFor } from './wait.ts';

const ARGO_CRDS = ['applications.argoproj.io', 'applicationsets.argoproj.io', 'appprojects.argoproj.io'];
const PART_OF = { 'app.kubernetes.io/part-of': 'argocd' };

export interface ArgoCdOptions extends ControllerBase {
  /** kubectl matching the server, to apply Argo CD's CRDs and settings. */
  kubectl: string;
  /** Argo CD's namespace on the control-plane cluster (default `argocd`). */
  namespace?: string;
  /** `timeout.reconciliation` of argocd-cm: how often Applications are compared without a change (default 20s). */
  reconciliation?: string;
}

export interface ArgoCd {
  namespace: string;
  components: Controller[];
  /** Last lines of every component's log, for assertion messages. */
  tail(lines?: number): Promise<string>;
  stop(): Promise<void>;
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port }, () => {
      s.end();
      resolve(true);
    });
    s.on('error', () => resolve(false));
  });
}

/** The settings Argo CD's components read at start, labelled as its installation labels them. */
function settings(namespace: string, reconciliation: string): string {
  const meta = (name: string) => ({ name, namespace, labels: PART_OF });
  return [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } },
    {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: meta('argocd-cm'),
      data: { 'timeout.reconciliation': reconciliation },
    },
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: meta('argocd-cmd-params-cm'), data: {} },
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: meta('argocd-rbac-cm'), data: {} },
    { apiVersion: 'v1', kind: 'Secret', metadata: meta('argocd-secret'), type: 'Opaque', data: {} },
    // argocd-server creates the default project when it starts; without it, so do we.
    {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'AppProject',
      metadata: { name: 'default', namespace },
      spec: {
        sourceRepos: ['*'],
        destinations: [{ server: '*', namespace: '*' }],
        clusterResourceWhitelist: [{ group: '*', kind: '*' }],
      },
    },
  ]
    .map((o) => stringify(o))
    .join('---\n');
}

/**
 * Starts redis, the repo server, the application controller and the ApplicationSet controller
 * against the cluster of `o.kubeconfig`; resolves once each listens.
 */
export async function startArgoCd(o: ArgoCdOptions): Promise<ArgoCd> {
  const log = o.log ?? (() => {});
  const namespace = o.namespace ?? 'argocd';
  const [repoServer, appController, appSet, helm] = await Promise.all([
    ensure('argocd-repo-server', { log }),
    ensure('argocd-application-controller', { log }),
    ensure('argocd-applicationset-controller', { log }),
    ensure('helm', { log }),
  ]);
  const redisTool = SYSTEM_TOOLS.find((t) => t.tool === 'redis-server');
  const redis = redisTool ? await findSystemTool(redisTool) : undefined;
  if (!redis) throw new ToolchainError('redis-server is missing: run `pnpm run tools` (Debian package redis-server)');
  const dir = await folder(o, 'argocd');
  const k = (args: string[], input?: string) => kubectl(o.kubectl, o.kubeconfig, args, input);
  await k([
    'apply',
    '--server-side',
    '--field-manager=kosmos-testkit',
    ...(await crdFiles([ARGOCD_CRD_SOURCE])).flatMap((f) => ['-f', f]),
  ]);
  // Right after the apply the CRDs have no conditions yet, and `kubectl wait` fails on that.
  await waitFor(
    "Argo CD's CRDs to be established",
    async () => {
      await k(['wait', '--for=condition=Established', ...ARGO_CRDS.map((c) => `crd/${c}`), '--timeout=30s']);
      return true;
    },
    { timeoutMs: o.timeoutMs ?? 60_000, intervalMs: 500 },
  );
  await k(
    ['apply', '--server-side', '--field-manager=kosmos-testkit', '-f', '-'],
    settings(namespace, o.reconciliation ?? '20s'),
  );

  const [redisPort, repoPort, repoMetrics, ctrlMetrics, setMetrics, setProbe, setWebhook] = (await freePorts(
    7,
  )) as number[] as [number, number, number, number, number, number, number];
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    // The ApplicationSet controller's client (controller-runtime) reads only this, not --kubeconfig.
    KUBECONFIG: o.kubeconfig,
    // The repo server renders charts with the helm CLI: ours, pinned.
    PATH: `${dirname(helm)}:${process.env.PATH ?? ''}`,
    HOME: dir,
    ARGOCD_GPG_ENABLED: 'false',
    ARGOCD_GNUPGHOME: join(dir, 'gnupg'),
    ARGOCD_GPG_DATA_PATH: join(dir, 'gpg-data'),
    HELM_CACHE_HOME: join(dir, 'helm-cache'),
    HELM_CONFIG_HOME: join(dir, 'helm-config'),
    HELM_DATA_HOME: join(dir, 'helm-data'),
    ARGOCD_EXEC_TIMEOUT: '180s',
  };
  const started: Controller[] = [];
  const stopAll = async () => {
    for (const c of [...started].reverse()) await c.stop();
  };
  try {
    const r = launch(
      'redis',
      redis,
      // Redis rewrites its process title by default, and stopping a daemon checks that its PID
      // still runs the binary we started (argv[0]).
      [
        '--port',
        String(redisPort),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--appendonly',
        'no',
        '--set-proc-title',
        'no',
      ],
      dir,
      env,
    );
    started.push(r);
    await waitFor('redis', () => portOpen(redisPort), { timeoutMs: o.timeoutMs ?? 30_000, daemon: r.daemon });
    const redisAddr = `127.0.0.1:${redisPort}`;
    const repo = launch(
      'argocd-repo-server',
      repoServer,
      [
        '--address=127.0.0.1',
        `--port=${repoPort}`,
        '--metrics-address=127.0.0.1',
        `--metrics-port=${repoMetrics}`,
        '--disable-tls',
        `--redis=${redisAddr}`,
        '--loglevel=info',
      ],
      dir,
      env,
    );
    started.push(repo);
    await waitFor('argocd-repo-server', () => portOpen(repoPort), {
      timeoutMs: o.timeoutMs ?? 60_000,
      daemon: repo.daemon,
    });
    const repoAddr = `127.0.0.1:${repoPort}`;
    const ctrl = launch(
      'argocd-application-controller',
      appController,
      [
        `--kubeconfig=${o.kubeconfig}`,
        `--namespace=${namespace}`,
        `--repo-server=${repoAddr}`,
        '--repo-server-plaintext',
        `--redis=${redisAddr}`,
        `--metrics-port=${ctrlMetrics}`,
        '--status-processors=4',
        '--operation-processors=4',
        '--loglevel=info',
      ],
      dir,
      env,
    );
    started.push(ctrl);
    const set = launch(
      'argocd-applicationset-controller',
      appSet,
      [
        `--kubeconfig=${o.kubeconfig}`,
        `--namespace=${namespace}`,
        `--argocd-repo-server=${repoAddr}`,
        '--repo-server-plaintext',
        `--metrics-addr=127.0.0.1:${setMetrics}`,
        `--probe-addr=127.0.0.1:${setProbe}`,
        `--webhook-addr=127.0.0.1:${setWebhook}`,
        '--enable-leader-election=false',
        '--loglevel=info',
      ],
      dir,
      env,
    );
    started.push(set);
    await waitFor('argocd-application-controller', () => portOpen(ctrlMetrics), {
      timeoutMs: o.timeoutMs ?? 60_000,
      daemon: ctrl.daemon,
    });
    await waitFor('argocd-applicationset-controller', () => portOpen(setProbe), {
      timeoutMs: o.timeoutMs ?? 60_000,
      daemon: set.daemon,
    });
  } catch (e) {
    await stopAll();
    throw e;
  }
  return {
    namespace,
    components: started,
    async tail(lines = 15) {
      const parts = await Promise.all(started.map(async (c) => `== ${c.name}\n${await c.tail(lines)}`));
      return parts.join('\n');
    },
    stop: stopAll,
  };
}

/** A cluster Argo CD deploys to, as `argocd cluster add` would register it. */
export interface ArgoClusterInput {
  kubectl: string;
  /** Admin kubeconfig of the Argo CD control-plane cluster. */
  kubeconfig: string;
  namespace?: string;
  /** The Argo CD cluster name (the environment's `clusters[].name`). */
  name: string;
  /** Admin kubeconfig of the cluster being registered (certificates referenced as files). */
  siteKubeconfig: string;
  labels: Record<string, string>;
}

/** Registers a local cluster with Argo CD: a cluster Secret with its address and client certificates. */
export async function registerArgoCluster(i: ArgoClusterInput): Promise<{ server: string }> {
  const cfg = parse(await readFile(i.siteKubeconfig, 'utf8')) as {
    clusters: { cluster: { server: string; 'certificate-authority': string } }[];
    users: { user: { 'client-certificate': string; 'client-key': string } }[];
  };
  const cluster = cfg.clusters[0]?.cluster;
  const user = cfg.users[0]?.user;
  if (!cluster || !user) throw new Error(`${i.siteKubeconfig}: no cluster or user`);
  const b64 = async (f: string) => (await readFile(f)).toString('base64');
  const config = {
    tlsClientConfig: {
      caData: await b64(cluster['certificate-authority']),
      certData: await b64(user['client-certificate']),
      keyData: await b64(user['client-key']),
    },
  };
  const secret = {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      name: `cluster-${i.name}`,
      namespace: i.namespace ?? 'argocd',
      labels: { 'argocd.argoproj.io/secret-type': 'cluster', ...i.labels },
    },
    type: 'Opaque',
    stringData: { name: i.name, server: cluster.server, config: JSON.stringify(config) },
  };
  await kubectl(
    i.kubectl,
    i.kubeconfig,
    ['apply', '--server-side', '--field-manager=kosmos-testkit', '-f', '-'],
    stringify(secret),
  );
  return { server: cluster.server };
}

/**
 * Repository Secrets for charts in a plain-HTTP OCI registry (the local one): Argo CD speaks
 * HTTPS to OCI registries unless a repository says `insecureOCIForceHttp`.
 */
export async function registerArgoOciRepos(i: {
  kubectl: string;
  kubeconfig: string;
  namespace?: string;
  /** `oci://host:port/charts/<chart>` per chart. */
  urls: string[];
}): Promise<void> {
  const docs = i.urls.map((url) =>
    stringify({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: {
        name: `repo-${url.replace(/^oci:\/\//, '').replace(/[^a-z0-9]+/g, '-')}`.slice(0, 63).replace(/-+$/, ''),
        namespace: i.namespace ?? 'argocd',
        labels: { 'argocd.argoproj.io/secret-type': 'repository' },
      },
      type: 'Opaque',
      stringData: { type: 'oci', url, insecureOCIForceHttp: 'true' },
    }),
  );
  await kubectl(
    i.kubectl,
    i.kubeconfig,
    ['apply', '--server-side', '--field-manager=kosmos-testkit', '-f', '-'],
    docs.join('---\n'),
  );
}
