import { existsSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { type Environment, resolveTargets, type Targets } from '@kosmos/environment';
import { UserError } from '@kosmos/errors';
import { KubeConfig } from '@kubernetes/client-node';
import pLimit, { type LimitFunction } from 'p-limit';

/** A cluster problem written for people: one line, no stack, exit 1. */
export class KubeError extends UserError {
  override name = 'KubeError';
}

/**
 * The cluster could not be talked to at all: connection refused or reset, DNS, TLS, timeout,
 * or the local cluster of `pnpm run up` not running. Anything else (a bad kubeconfig, a 401, an
 * API server error) is not a connection failure; `status` shows only these as "unreachable".
 */
export class KubeConnectionError extends KubeError {
  override name = 'KubeConnectionError';
}

/**
 * The API server answered with an error status. Its message starts with the target (context
 * and server), then the request, then the server's own message (`serverMessage`).
 *
 * The server's message can echo fields of the object sent (a Secret's data among them): code
 * that sends Secrets must redact these errors before they are printed (`diffEnvironment` does,
 * with its Redactor).
 */
export class ApiError extends UserError {
  override name = 'ApiError';
  constructor(
    /** `context "x" (https://...)`, from `KubeClient.target`. */
    readonly target: string,
    /** `PATCH /api/v1/namespaces/x/configmaps/y` */
    readonly request: string,
    /** What the API server said (its Status message), or `HTTP <code> <body start>`. */
    readonly serverMessage: string,
    readonly status: number,
    readonly reason: string,
    readonly details: { kind?: string; name?: string; group?: string } = {},
  ) {
    super(`${target}: ${request}: ${serverMessage}`);
  }
}

export interface ClientOptions {
  /** Requests in flight at once against this cluster (default 8). */
  concurrency?: number;
  /** Per-request timeout in ms (default 15000). */
  timeoutMs?: number;
  /** State folder of `pnpm run up`, for environments on the local cluster. */
  stateDir?: string;
}

export interface RequestOptions {
  body?: unknown;
  contentType?: string;
  query?: Record<string, string | undefined>;
}

/**
 * One connection to one cluster: TLS material and credentials read once from the kubeconfig,
 * one keep-alive agent (so hundreds of requests reuse a few sockets), a bounded pool for every
 * request. `@kubernetes/client-node` parses the kubeconfig and resolves credentials (certs,
 * tokens, exec plugins); requests go through our own agent because its generated clients
 * build a fresh agent, hence a fresh TLS handshake, per call.
 */
export class KubeClient {
  readonly limit: LimitFunction;
  private readonly timeoutMs: number;
  private constructor(
    /** Context name, for messages. */
    readonly context: string,
    /** API server URL, for messages. */
    readonly server: string,
    private readonly agent: http.Agent,
    private readonly headers: Record<string, string>,
    concurrency: number,
    timeoutMs: number,
  ) {
    this.limit = pLimit(concurrency);
    this.timeoutMs = timeoutMs;
  }

  /** A client for a kubeconfig file and context (the file's current context when omitted). */
  static async fromKubeconfig(file: string, context?: string, o: ClientOptions = {}): Promise<KubeClient> {
    const kc = new KubeConfig();
    try {
      kc.loadFromFile(file);
    } catch (e) {
      throw new KubeError(`cannot read kubeconfig ${file}: ${(e as Error).message.split('\n')[0]}`);
    }
    const name = context ?? kc.getCurrentContext();
    if (!name)
      throw new KubeError(`kubeconfig ${file} has no current context; name one in environment.yaml (cluster.context)`);
    if (!kc.getContextObject(name)) {
      const known = kc.getContexts().map((c) => c.name);
      throw new KubeError(
        `context "${name}" not found in kubeconfig ${file}${known.length ? ` (contexts: ${known.join(', ')})` : ''}`,
      );
    }
    kc.setCurrentContext(name);
    const cluster = kc.getCurrentCluster();
    if (!cluster?.server) throw new KubeError(`context "${name}" in ${file} names no cluster server`);
    const opts: https.RequestOptions = {};
    try {
      await kc.applyToHTTPSOptions(opts);
    } catch (e) {
      throw new KubeError(`context "${name}": cannot load credentials: ${(e as Error).message.split('\n')[0]}`);
    }
    const concurrency = Math.max(1, o.concurrency ?? 8);
    const tls = {
      ca: opts.ca,
      cert: opts.cert,
      key: opts.key,
      pfx: opts.pfx,
      passphrase: opts.passphrase,
      rejectUnauthorized: cluster.skipTLSVerify ? false : opts.rejectUnauthorized,
      servername: cluster.tlsServerName ?? opts.servername,
    };
    const common = { keepAlive: true, maxSockets: concurrency };
    const agent = cluster.server.startsWith('http:') ? new http.Agent(common) : new https.Agent({ ...common, ...tls });
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(opts.headers ?? {})) if (v !== undefined) headers[k] = String(v);
    if (opts.auth) headers.Authorization = `Basic ${Buffer.from(opts.auth).toString('base64')}`;
    return new KubeClient(name, cluster.server.replace(/\/$/, ''), agent, headers, concurrency, o.timeoutMs ?? 15_000);
  }

  /** A client for an environment's cluster: the local one of `pnpm run up`, or kubeconfig + context. */
  static async forEnvironment(env: Environment, o: ClientOptions = {}): Promise<KubeClient> {
    return KubeClient.forTargets(await resolveTargets(env, o.stateDir ? { stateDir: o.stateDir } : {}), o);
  }

  /** A client for where `resolveTargets` says an environment's cluster is. */
  static async forTargets(t: Targets, o: ClientOptions = {}): Promise<KubeClient> {
    const { kubeconfig, context } = t.cluster;
    if (!kubeconfig)
      throw new KubeConnectionError(
        t.standIn
          ? `${t.env}'s stand-in cluster is not running (start it with \`pnpm run up --env ${t.env}\`)`
          : `${t.env} uses the local cluster, which is not running (start it with \`pnpm run up\`)`,
      );
    if (!existsSync(kubeconfig))
      throw new KubeError(`kubeconfig ${kubeconfig} not found (context ${context ?? 'current'})`);
    return KubeClient.fromKubeconfig(kubeconfig, context, o);
  }

  /** Where we talk to, for messages: `context "x" (https://...)`. */
  get target(): string {
    return `context "${this.context}" (${this.server})`;
  }

  /**
   * One API call through the shared pool and agent. 401/403 become KubeError, other error
   * statuses ApiError, a failed connection or timeout KubeConnectionError.
   */
  request<T = unknown>(method: string, path: string, o: RequestOptions = {}): Promise<T> {
    return this.limit(() => this.send<T>(method, path, o));
  }

  private send<T>(method: string, path: string, o: RequestOptions): Promise<T> {
    const url = new URL(this.server + path);
    for (const [k, v] of Object.entries(o.query ?? {})) if (v !== undefined) url.searchParams.set(k, v);
    const body = o.body === undefined ? undefined : typeof o.body === 'string' ? o.body : JSON.stringify(o.body);
    const mod = url.protocol === 'http:' ? http : https;
    return new Promise<T>((resolve, reject) => {
      const req = mod.request(
        url,
        {
          method,
          agent: this.agent,
          timeout: this.timeoutMs,
          headers: {
            ...this.headers,
            Accept: 'application/json',
            ...(body !== undefined
              ? { 'Content-Type': o.contentType ?? 'application/json', 'Content-Length': Buffer.byteLength(body) }
              : {}),
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', reject);
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let parsed: unknown;
            try {
              parsed = text ? JSON.parse(text) : undefined;
            } catch {
              parsed = undefined;
            }
            const status = res.statusCode ?? 0;
            if (status >= 200 && status < 300) return resolve(parsed as T);
            const st = (parsed ?? {}) as { message?: string; reason?: string; details?: ApiError['details'] };
            if (status === 401 || status === 403) {
              return reject(new KubeError(`${this.target}: ${method} ${path}: ${st.message ?? `HTTP ${status}`}`));
            }
            reject(
              new ApiError(
                this.target,
                `${method} ${path}`,
                st.message ?? `HTTP ${status} ${text.slice(0, 200)}`,
                status,
                st.reason ?? '',
                st.details ?? {},
              ),
            );
          });
        },
      );
      req.on('timeout', () => req.destroy(new Error(`no answer within ${this.timeoutMs / 1000}s`)));
      req.on('error', (e: NodeJS.ErrnoException) =>
        reject(
          new KubeConnectionError(
            `cannot reach cluster ${this.target}: ${e.code ?? ''}${e.code ? ' ' : ''}${e.message.replace(e.code ?? '\u0000', '').trim()}`.replace(
              /\s+/g,
              ' ',
            ),
          ),
        ),
      );
      if (body !== undefined) req.write(body);
      req.end();
    });
  }

  /** Fails fast with a one-line message naming the context when the cluster does not answer. */
  async ping(): Promise<string> {
    const v = await this.request<{ gitVersion: string }>('GET', '/version');
    return v.gitVersion;
  }

  /** Closes the kept-alive sockets so the process can exit. */
  close(): void {
    this.agent.destroy();
  }
}
