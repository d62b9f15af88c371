import { createHash } from 'node:crypto';
import { EXIT, UserError } from '@kosmos/errors';
import {
  type Challenge,
  type Credentials,
  ENV_PASSWORD,
  ENV_USERNAME,
  findCredentials,
  parseWwwAuthenticate,
} from './auth.ts';
import { chartLayer, isDigest, MANIFEST_ACCEPT, type Manifest, parseManifest, provenanceLayer } from './media.ts';
import { isLoopback } from './reference.ts';

export type RegistryErrorReason = 'auth' | 'unreachable' | 'server' | 'protocol';

/** A registry problem, written for users: one line, never a credential. */
export class RegistryError extends UserError {
  override name = 'RegistryError';
  constructor(
    message: string,
    readonly reason: RegistryErrorReason,
  ) {
    super(message, EXIT.failed);
  }
}

export interface RetryPolicy {
  /** Tries in all, the first included. */
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** Per request. */
  timeoutMs: number;
}

/**
 * 5 tries, 0.25 s doubling to 4 s: about 7.5 s of waiting, enough for a registry that restarts
 * or a proxy that drops one connection, short enough that a registry that is down is named quickly.
 */
export const DEFAULT_RETRY: RetryPolicy = { attempts: 5, baseDelayMs: 250, maxDelayMs: 4000, timeoutMs: 30_000 };

export interface ClientOptions {
  /** `host[:port]` */
  host: string;
  plainHttp: boolean;
  credentials?: Credentials;
  retry?: Partial<RetryPolicy>;
  /** Told about each retry (progress on stderr). */
  onRetry?: (message: string) => void;
}

/** What a tag holds, as far as release needs to know. */
export type ChartState =
  | { state: 'absent' }
  | {
      state: 'present';
      manifestDigest: string;
      /** Undefined when the tag holds something that is not a helm chart. */
      chartDigest: string | undefined;
      signed: boolean;
    };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Network failures worth another try: reset, refused (a restarting registry), timeouts. */
function transientNetworkCode(e: unknown): string | undefined {
  const err = e as { name?: string; code?: string; cause?: { code?: string; name?: string; message?: string } };
  if (err.name === 'TimeoutError' || err.name === 'AbortError') return 'timeout';
  const code = err.cause?.code ?? err.code;
  if (code && /^(ECONNRESET|ECONNREFUSED|ETIMEDOUT|EPIPE|EAI_AGAIN|ENETUNREACH|EHOSTUNREACH|UND_ERR_\w+)$/.test(code))
    return code;
  if (err.name === 'TypeError' && /fetch failed/.test(String((e as Error).message)))
    return err.cause?.message ?? 'fetch failed';
  return undefined;
}

interface Attempt {
  method: 'GET' | 'HEAD';
  path: string;
  accept?: string;
  repo: string;
}

/**
 * The OCI distribution API, the part release, promote and status need: does a tag exist, what
 * does it hold (manifest, chart layer digest, image digest), which tags a repository has.
 * Auth: anonymous first; on a 401 the challenge decides: Basic with the credentials, or the
 * bearer-token exchange (realm/service/scope) that ghcr.io and Docker Hub use. Transient failures
 * are retried with exponential backoff; a small loop rather than zx's `retry`, because only some
 * failures may be retried (a 404 or 401 never is) and zx retries whatever throws.
 */
export class RegistryClient {
  readonly host: string;
  readonly plainHttp: boolean;
  private readonly creds: Credentials | undefined;
  private readonly policy: RetryPolicy;
  private readonly onRetry: (m: string) => void;
  /** Authorization header per repository, once a challenge was answered. */
  private readonly authFor = new Map<string, string>();

  constructor(o: ClientOptions) {
    this.host = o.host;
    this.plainHttp = o.plainHttp;
    this.creds = o.credentials;
    this.policy = { ...DEFAULT_RETRY, ...o.retry };
    this.onRetry = o.onRetry ?? (() => {});
  }

  private get base(): string {
    return `${this.plainHttp ? 'http' : 'https'}://${this.host}`;
  }

  /** Runs `fn` with retries of transient failures; throws a RegistryError naming the host once they are spent. */
  private async retrying<T>(what: string, fn: () => Promise<T | { retry: string }>): Promise<T> {
    const { attempts, baseDelayMs, maxDelayMs } = this.policy;
    let last = '';
    for (let n = 1; n <= attempts; n++) {
      let r: T | { retry: string };
      try {
        r = await fn();
      } catch (e) {
        if (e instanceof RegistryError) throw e;
        const code = transientNetworkCode(e);
        if (!code) throw e;
        r = { retry: code };
      }
      if (typeof r === 'object' && r !== null && 'retry' in r && Object.keys(r).length === 1) {
        last = (r as { retry: string }).retry;
        if (n < attempts) {
          const delay = Math.min(maxDelayMs, baseDelayMs * 2 ** (n - 1));
          this.onRetry(`registry ${this.host}: ${what}: ${last}; retrying in ${(delay / 1000).toFixed(1)}s`);
          await sleep(delay);
        }
        continue;
      }
      return r as T;
    }
    const down =
      /^(ECONNREFUSED|ECONNRESET|timeout|EHOSTUNREACH|ENETUNREACH|EAI_AGAIN)/.test(last) || /fetch failed/.test(last);
    throw new RegistryError(
      `registry ${this.host} ${down ? 'unreachable' : 'failing'}: ${what}: ${last} (${attempts} tries)`,
      down ? 'unreachable' : 'server',
    );
  }

  private authError(repo: string, status: number): RegistryError {
    const how = this.creds
      ? `credentials from ${this.creds.source}`
      : `no credentials: run helm registry login ${this.host}, or set ${ENV_USERNAME} and ${ENV_PASSWORD}`;
    return new RegistryError(`registry auth refused for ${this.host}/${repo} (HTTP ${status}; ${how})`, 'auth');
  }

  /** Answers a 401's challenge: sets the Authorization header for `repo`, or throws the auth error. */
  private async authenticate(repo: string, challenges: Challenge[], status: number): Promise<void> {
    const bearer = challenges.find((c) => c.scheme === 'bearer');
    if (bearer?.params.realm) {
      const realm = new URL(bearer.params.realm);
      if (realm.protocol !== 'https:' && !(realm.protocol === 'http:' && this.plainHttp))
        throw new RegistryError(
          `registry ${this.host}: token service ${realm.origin} is not HTTPS; refusing to send credentials`,
          'protocol',
        );
      if (bearer.params.service) realm.searchParams.set('service', bearer.params.service);
      realm.searchParams.set('scope', bearer.params.scope ?? `repository:${repo}:pull`);
      const headers: Record<string, string> = { accept: 'application/json' };
      if (this.creds) headers.authorization = basic(this.creds);
      const token = await this.retrying(`token for ${repo}`, async () => {
        const res = await fetch(realm, { headers, signal: AbortSignal.timeout(this.policy.timeoutMs) });
        const text = await res.text();
        if (res.status >= 500 || res.status === 429) return { retry: `token service HTTP ${res.status}` };
        if (res.status === 401 || res.status === 403) throw this.authError(repo, res.status);
        if (!res.ok)
          throw new RegistryError(`registry ${this.host}: token service answered HTTP ${res.status}`, 'protocol');
        let body: { token?: unknown; access_token?: unknown };
        try {
          body = JSON.parse(text) as typeof body;
        } catch {
          throw new RegistryError(
            `registry ${this.host}: token service answered something that is not JSON`,
            'protocol',
          );
        }
        const t = typeof body.token === 'string' ? body.token : body.access_token;
        if (typeof t !== 'string' || t === '')
          throw new RegistryError(`registry ${this.host}: token service answered without a token`, 'protocol');
        return t;
      });
      this.authFor.set(repo, `Bearer ${token}`);
      return;
    }
    if (challenges.some((c) => c.scheme === 'basic') && this.creds) {
      this.authFor.set(repo, basic(this.creds));
      return;
    }
    throw this.authError(repo, status);
  }

  /** One request with auth and retries; the caller reads the response. 404 is an answer, not an error. */
  private async request(a: Attempt): Promise<Response> {
    let authenticated = this.authFor.has(a.repo);
    for (;;) {
      const res = await this.retrying(`${a.method} /v2/${a.path}`, async () => {
        const headers: Record<string, string> = {};
        if (a.accept) headers.accept = a.accept;
        const auth = this.authFor.get(a.repo);
        if (auth) headers.authorization = auth;
        const r = await fetch(`${this.base}/v2/${a.path}`, {
          method: a.method,
          headers,
          redirect: 'follow',
          signal: AbortSignal.timeout(this.policy.timeoutMs),
        });
        if (r.status >= 500 || r.status === 429) {
          await r.body?.cancel();
          return { retry: `HTTP ${r.status}` };
        }
        return r;
      });
      if (res.status === 401 && !authenticated) {
        await res.body?.cancel();
        await this.authenticate(a.repo, parseWwwAuthenticate(res.headers.get('www-authenticate')), 401);
        authenticated = true;
        continue;
      }
      if (res.status === 401 || res.status === 403) {
        await res.body?.cancel();
        throw this.authError(a.repo, res.status);
      }
      return res;
    }
  }

  private unexpected(res: Response, what: string): RegistryError {
    return new RegistryError(`registry ${this.host}: ${what}: unexpected HTTP ${res.status}`, 'protocol');
  }

  /** The manifest a tag or digest names, checked; undefined when the registry has none. */
  async manifest(repo: string, reference: string): Promise<{ digest: string; manifest: Manifest } | undefined> {
    const res = await this.request({
      method: 'GET',
      path: `${repo}/manifests/${reference}`,
      accept: MANIFEST_ACCEPT,
      repo,
    });
    if (res.status === 404) {
      await res.body?.cancel();
      return undefined;
    }
    if (!res.ok) {
      await res.body?.cancel();
      throw this.unexpected(res, `manifest ${repo}:${reference}`);
    }
    const body = Buffer.from(await res.arrayBuffer());
    const where = `registry ${this.host}: manifest ${repo}:${reference}`;
    let manifest: Manifest;
    try {
      manifest = parseManifest(body.toString('utf8'), res.headers.get('content-type'), where);
    } catch (e) {
      throw new RegistryError((e as Error).message, 'protocol');
    }
    // The digest of what we read, so it is right even if a proxy dropped Docker-Content-Digest.
    const digest = `sha256:${createHash('sha256').update(body).digest('hex')}`;
    return { digest, manifest };
  }

  /** Whether `repo:tag` exists (HEAD, no body). */
  async exists(repo: string, tag: string): Promise<boolean> {
    return (await this.digest(repo, tag)) !== undefined;
  }

  /**
   * The digest of a tag (an image's index or manifest digest, what `image@sha256:…` pins): the
   * `Docker-Content-Digest` of a HEAD, or of a GET when a registry leaves it out of HEAD answers.
   */
  async digest(repo: string, tag: string): Promise<string | undefined> {
    const res = await this.request({ method: 'HEAD', path: `${repo}/manifests/${tag}`, accept: MANIFEST_ACCEPT, repo });
    if (res.status === 404) return undefined;
    if (!res.ok) throw this.unexpected(res, `manifest ${repo}:${tag}`);
    const d = res.headers.get('docker-content-digest');
    if (d && isDigest(d)) return d;
    return (await this.manifest(repo, tag))?.digest;
  }

  /** What a chart tag holds: absent, or the digest of its chart archive layer. */
  async chart(repo: string, tag: string): Promise<ChartState> {
    const m = await this.manifest(repo, tag);
    if (!m) return { state: 'absent' };
    return {
      state: 'present',
      manifestDigest: m.digest,
      chartDigest: chartLayer(m.manifest)?.digest,
      signed: provenanceLayer(m.manifest) !== undefined,
    };
  }

  /** Every tag of a repository ([] when it does not exist), following `Link` pagination. */
  async tags(repo: string): Promise<string[]> {
    const out: string[] = [];
    let path: string | undefined = `${repo}/tags/list?n=1000`;
    while (path) {
      const res = await this.request({ method: 'GET', path, accept: 'application/json', repo });
      if (res.status === 404) {
        await res.body?.cancel();
        return out;
      }
      if (!res.ok) {
        await res.body?.cancel();
        throw this.unexpected(res, `tags of ${repo}`);
      }
      const body = (await res.json().catch(() => undefined)) as { tags?: unknown } | undefined;
      const tags = body?.tags;
      if (tags !== null && tags !== undefined && !(Array.isArray(tags) && tags.every((t) => typeof t === 'string')))
        throw new RegistryError(`registry ${this.host}: tags of ${repo}: expected {"tags": [string]}`, 'protocol');
      out.push(...((tags as string[] | null | undefined) ?? []));
      path = nextLink(res.headers.get('link'));
    }
    return out;
  }
}

const basic = (c: Credentials) => `Basic ${Buffer.from(`${c.username}:${c.password}`).toString('base64')}`;

/** `</v2/charts/x/tags/list?last=b&n=1000>; rel="next"` → `charts/x/tags/list?last=b&n=1000`. */
export function nextLink(link: string | null): string | undefined {
  const m = link ? /<([^>]+)>\s*;\s*rel="?next"?/.exec(link) : null;
  if (!m?.[1]) return undefined;
  const url = new URL(m[1], 'http://x');
  return `${url.pathname.replace(/^\/v2\//, '')}${url.search}`;
}

/**
 * A client for `host` with its credentials found (see findCredentials) and the protocol chosen:
 * plain HTTP on loopback, HTTPS elsewhere. `commandHost` is the registry the command was pointed
 * at (where KOSMOS_REGISTRY_USERNAME/PASSWORD go).
 */
export async function clientFor(
  host: string,
  o: {
    env?: NodeJS.ProcessEnv;
    commandHost?: string;
    retry?: Partial<RetryPolicy>;
    onRetry?: (m: string) => void;
  } = {},
): Promise<RegistryClient> {
  const credentials = await findCredentials(host, {
    ...(o.env ? { env: o.env } : {}),
    ...(o.commandHost ? { commandHost: o.commandHost } : {}),
  });
  return new RegistryClient({
    host,
    plainHttp: isLoopback(host),
    ...(credentials ? { credentials } : {}),
    ...(o.retry ? { retry: o.retry } : {}),
    ...(o.onRetry ? { onRetry: o.onRetry } : {}),
  });
}
