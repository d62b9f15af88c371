/**
 * The controllers that give our custom resources meaning, run natively against the local API
 * server the way the cluster runs kube-controller-manager: Argo Rollouts, Traefik (its Kubernetes
 * CRD provider), the Prometheus Operator, and a plain Prometheus for analyses to query.
 *
 * They are started on demand by the test files that need them (each start takes a second or
 * two; building them the first time takes minutes, see @kosmos/toolchain), never by the global
 * setup: most cluster tests do not need them. Each controller gets its own folder and log, free
 * loopback ports, and is stopped by PID and binary like every daemon of the testkit.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { ensure } from '@kosmos/toolchain';
import { stringify } from 'yaml';
import { type DaemonRecord, killNow, logTail, startDaemon, stopDaemon } from './daemon.ts';
import { get } from './http.ts';
import { freePorts } from './ports.ts';
import { waitFor } from './wait.ts';

export interface Controller {
  name: string;
  daemon: DaemonRecord;
  /** The controller's log file. */
  log: string;
  /** Last lines of the log, for assertion messages. */
  tail(lines?: number): Promise<string>;
  stop(): Promise<void>;
}

export interface ControllerBase {
  /** Admin kubeconfig of the local cluster (`localCluster().kubeconfig`). */
  kubeconfig: string;
  /** Folder for the controller's files; default: beside the kubeconfig, by name and PID. */
  dir?: string;
  log?: (line: string) => void;
  timeoutMs?: number;
}

const exits = new Set<DaemonRecord>();
let exitHook = false;

/** Starts a daemon that dies with this process even when a test run is interrupted. */
export function launch(name: string, bin: string, args: string[], dir: string, env?: NodeJS.ProcessEnv): Controller {
  const log = join(dir, `${name}.log`);
  const daemon = startDaemon({ name, bin, args, log, cwd: dir, env: env ?? process.env });
  exits.add(daemon);
  if (!exitHook) {
    exitHook = true;
    process.once('exit', () => {
      for (const d of exits) killNow(d);
    });
  }
  return {
    name,
    daemon,
    log,
    tail: (lines = 30) => logTail(log, lines),
    async stop() {
      await stopDaemon(daemon);
      exits.delete(daemon);
    },
  };
}

export async function folder(o: ControllerBase, name: string): Promise<string> {
  const dir = o.dir ?? join(dirname(o.kubeconfig), 'controllers', `${name}-${process.pid}-${Date.now()}`);
  await mkdir(dir, { recursive: true });
  return dir;
}

const noLog = () => {};

/**
 * Launches a daemon and resolves once `ready` answers 200; stops it (and `alsoStop`) when it does
 * not, so a failed start leaves nothing running. Every controller here starts through it.
 */
async function startReady(o: {
  name: string;
  bin: string;
  args: string[];
  dir: string;
  env?: NodeJS.ProcessEnv;
  ready: string;
  /** Which answer of `ready` means up; default: 200. */
  readyWhen?: (status: number) => boolean;
  timeoutMs?: number;
  alsoStop?: Controller;
}): Promise<Controller> {
  const c = launch(o.name, o.bin, o.args, o.dir, o.env);
  const controller: Controller = o.alsoStop
    ? {
        ...c,
        async stop() {
          await c.stop();
          await o.alsoStop?.stop();
        },
      }
    : c;
  try {
    const up = o.readyWhen ?? ((status: number) => status === 200);
    await waitFor(`${o.name} ${new URL(o.ready).pathname}`, async () => up((await get(o.ready)).status), {
      timeoutMs: o.timeoutMs ?? 60_000,
      daemon: c.daemon,
    });
  } catch (e) {
    await controller.stop();
    throw e;
  }
  return controller;
}

export interface RolloutsOptions extends ControllerBase {
  /** Only this namespace (`--namespaced`); default: the whole cluster. */
  namespace?: string;
  /**
   * HTTP proxy the controller sends analysis queries through (see `inClusterProxy`): how a
   * controller on the host reaches `http://<service>.<namespace>.svc.cluster.local`.
   */
  httpProxy?: string;
  /** Extra flags, e.g. to leave out the Traefik API group flags and watch it fail. */
  args?: string[];
  /** Replaces the default Traefik flags (`--traefik-api-group=traefik.io` and its version). */
  traefikArgs?: string[];
}

/** The Traefik flags Argo Rollouts 1.8 needs for Traefik v3 (its default is traefik.containo.us). */
export const ROLLOUTS_TRAEFIK_ARGS = ['--traefik-api-group=traefik.io', '--traefik-api-version=traefik.io/v1alpha1'];

/** Argo Rollouts' controller; resolves once its health endpoint answers. */
export async function startArgoRollouts(o: RolloutsOptions): Promise<Controller & { metricsUrl: string }> {
  const bin = await ensure('rollouts-controller', { log: o.log ?? noLog });
  const dir = await folder(o, 'argo-rollouts');
  const [metrics, healthz] = (await freePorts(2)) as [number, number];
  const env: NodeJS.ProcessEnv = { ...process.env, KUBECONFIG: o.kubeconfig };
  if (o.httpProxy) {
    env.HTTP_PROXY = o.httpProxy;
    env.http_proxy = o.httpProxy;
    // The API server is on loopback: never through the proxy (Go skips loopback anyway).
    env.NO_PROXY = '127.0.0.1,localhost';
    env.no_proxy = env.NO_PROXY;
  }
  const c = await startReady({
    name: 'argo-rollouts',
    bin,
    args: [
      `--kubeconfig=${o.kubeconfig}`,
      `--metricsport=${metrics}`,
      `--healthzPort=${healthz}`,
      '--leader-elect=false',
      '--loglevel=debug',
      // Faster than the default 15 minutes, so a test never waits on a resync.
      '--rollout-resync=30',
      ...(o.namespace ? ['--namespaced', `--namespace=${o.namespace}`] : []),
      ...(o.traefikArgs ?? ROLLOUTS_TRAEFIK_ARGS),
      ...(o.args ?? []),
    ],
    dir,
    env,
    ready: `http://127.0.0.1:${healthz}/healthz`,
    timeoutMs: o.timeoutMs,
  });
  return { ...c, metricsUrl: `http://127.0.0.1:${metrics}/metrics` };
}

export interface TraefikOptions extends ControllerBase {
  /** kubectl matching the server, for the `kubectl proxy` Traefik's provider talks through. */
  kubectl: string;
  /** `providers.kubernetesCRD.allowCrossNamespace`. */
  allowCrossNamespace: boolean;
  /** Namespaces the provider watches; default: all. */
  namespaces?: string[];
  /** Entry point names to open on loopback (the `traefik` entry point for the API is added). */
  entryPoints?: string[];
  /**
   * ACME certificate resolvers by name. Their CA is a loopback address where nothing listens:
   * a test must never reach a public CA, and the routers are accepted before any certificate.
   */
  certResolvers?: string[];
  /** Extra static configuration merged at the top level (e.g. entry point `forwardedHeaders`). */
  extra?: Record<string, unknown>;
}

export interface TraefikController extends Controller {
  /** Base URL of Traefik's API (`/api/http/routers` lists routers with status and errors). */
  apiUrl: string;
  /** entry point name -> loopback port. */
  entryPoints: Record<string, number>;
}

/**
 * Traefik with its Kubernetes CRD provider, reaching the API server through `kubectl proxy` on
 * loopback. The provider takes no client certificate, only a bearer token, and Traefik logs its
 * whole configuration file at debug level: through the proxy no credential is in its
 * configuration or its log.
 */
export async function startTraefik(o: TraefikOptions): Promise<TraefikController> {
  const bin = await ensure('traefik', { log: o.log ?? noLog });
  const dir = await folder(o, 'traefik');
  const proxy = launch(
    'kubectl-proxy',
    o.kubectl,
    [`--kubeconfig=${o.kubeconfig}`, 'proxy', '--address=127.0.0.1', '--port=0'],
    dir,
  );
  let endpoint = '';
  try {
    await waitFor(
      'kubectl proxy',
      async () => {
        const m = /Starting to serve on 127\.0\.0\.1:(\d+)/.exec(await readFile(proxy.log, 'utf8'));
        if (m) endpoint = `http://127.0.0.1:${m[1]}`;
        return Boolean(m);
      },
      { timeoutMs: o.timeoutMs ?? 30_000, daemon: proxy.daemon },
    );
  } catch (e) {
    await proxy.stop();
    throw e;
  }

  const names = [...new Set(o.entryPoints ?? ['web', 'websecure'])];
  const ports = await freePorts(names.length + 2);
  const entryPoints: Record<string, number> = {};
  names.forEach((n, i) => {
    entryPoints[n] = ports[i] as number;
  });
  const apiPort = ports[names.length] as number;
  const closedCa = ports[names.length + 1] as number;

  const extraEntryPoints = (o.extra?.entryPoints ?? {}) as Record<string, Record<string, unknown>>;
  const config: Record<string, unknown> = {
    ...o.extra,
    global: { checkNewVersion: false, sendAnonymousUsage: false },
    log: { level: 'DEBUG' },
    api: { insecure: true, dashboard: false },
    entryPoints: {
      ...Object.fromEntries(names.map((n) => [n, { ...extraEntryPoints[n], address: `127.0.0.1:${entryPoints[n]}` }])),
      traefik: { address: `127.0.0.1:${apiPort}` },
    },
    providers: {
      kubernetesCRD: {
        endpoint,
        allowCrossNamespace: o.allowCrossNamespace,
        ...(o.namespaces ? { namespaces: o.namespaces } : {}),
      },
    },
    ...(o.certResolvers?.length
      ? {
          certificatesResolvers: Object.fromEntries(
            o.certResolvers.map((r) => [
              r,
              {
                acme: {
                  email: 'platform-engineering@example.invalid',
                  storage: join(dir, `acme-${r}.json`),
                  caServer: `https://127.0.0.1:${closedCa}/directory`,
                  tlsChallenge: {},
                },
              },
            ]),
          ),
        }
      : {}),
  };
  const configFile = join(dir, 'traefik.yaml');
  await writeFile(configFile, stringify(config));
  const apiUrl = `http://127.0.0.1:${apiPort}`;
  const c = await startReady({
    name: 'traefik',
    bin,
    args: [`--configFile=${configFile}`],
    dir,
    ready: `${apiUrl}/api/version`,
    timeoutMs: o.timeoutMs,
    alsoStop: proxy,
  });
  return { ...c, apiUrl, entryPoints };
}

export interface OperatorOptions extends ControllerBase {
  /** Namespaces the operator watches; default: all. */
  namespaces?: string[];
  args?: string[];
}

/** The Prometheus Operator (it reads KUBECONFIG; it has no flag for it). */
export async function startPrometheusOperator(o: OperatorOptions): Promise<Controller & { url: string }> {
  const bin = await ensure('prometheus-operator', { log: o.log ?? noLog });
  const dir = await folder(o, 'prometheus-operator');
  const [port] = (await freePorts(1)) as [number];
  const url = `http://127.0.0.1:${port}`;
  const c = await startReady({
    name: 'prometheus-operator',
    bin,
    args: [
      `--web.listen-address=127.0.0.1:${port}`,
      '--log-level=debug',
      ...(o.namespaces ? [`--namespaces=${o.namespaces.join(',')}`] : []),
      ...(o.args ?? []),
    ],
    dir,
    env: { ...process.env, KUBECONFIG: o.kubeconfig },
    ready: `${url}/healthz`,
    timeoutMs: o.timeoutMs,
  });
  return { ...c, url };
}

export interface PrometheusOptions {
  dir: string;
  /** prometheus.yml as an object (scrape configs with static targets, rule files). */
  config: Record<string, unknown>;
  log?: (line: string) => void;
  timeoutMs?: number;
}

/** A plain Prometheus server on loopback; resolves once `/-/ready` answers. */
export async function startPrometheus(o: PrometheusOptions): Promise<Controller & { url: string }> {
  const bin = await ensure('prometheus', { log: o.log ?? noLog });
  await mkdir(join(o.dir, 'data'), { recursive: true });
  const [port] = (await freePorts(1)) as [number];
  const configFile = join(o.dir, 'prometheus.yml');
  await writeFile(configFile, stringify(o.config));
  const url = `http://127.0.0.1:${port}`;
  const c = await startReady({
    name: 'prometheus',
    bin,
    args: [
      `--config.file=${configFile}`,
      `--web.listen-address=127.0.0.1:${port}`,
      `--storage.tsdb.path=${join(o.dir, 'data')}`,
      '--log.level=info',
    ],
    dir: o.dir,
    ready: `${url}/-/ready`,
    timeoutMs: o.timeoutMs,
  });
  return { ...c, url };
}

/** Why a controller is worth a look when a test fails: its name and the end of its log. */
export async function describeController(c: Controller, lines = 30): Promise<string> {
  return `--- ${c.name} (${c.log}):\n${await c.tail(lines)}`;
}

export interface S3ServerOptions {
  /** Folder served: each folder in it is a bucket. */
  dir: string;
  accessKeyId: string;
  secretAccessKey: string;
  log?: (line: string) => void;
  timeoutMs?: number;
}

/**
 * A real S3 API on loopback: rclone's own `rclone serve s3` over a local folder (rclone of the
 * backup's upload image). Objects are plain files in `dir/<bucket>/`, so a test can see, age
 * and plant them.
 */
export async function startS3Server(o: S3ServerOptions): Promise<Controller & { endpoint: string }> {
  const bin = await ensure('rclone', { log: o.log ?? noLog });
  await mkdir(o.dir, { recursive: true });
  const [port] = (await freePorts(1)) as [number];
  const endpoint = `http://127.0.0.1:${port}`;
  const c = await startReady({
    name: 's3',
    bin,
    args: [
      'serve',
      's3',
      `--addr=127.0.0.1:${port}`,
      `--auth-key=${o.accessKeyId},${o.secretAccessKey}`,
      // no rclone.conf of the user's: the served folder is a plain local path
      '--config=/dev/null',
      o.dir,
    ],
    dir: dirname(o.dir),
    ready: `${endpoint}/`,
    // an unsigned request is refused: any answer means it is listening
    readyWhen: (status) => status > 0,
    timeoutMs: o.timeoutMs,
  });
  return { ...c, endpoint };
}
