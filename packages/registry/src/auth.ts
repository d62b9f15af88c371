import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** One challenge of a `WWW-Authenticate` header. */
export interface Challenge {
  /** Lower-cased: `bearer` or `basic` (others are kept, and refused by the client). */
  scheme: string;
  params: Record<string, string>;
}

/**
 * Parses `WWW-Authenticate` (RFC 7235 auth-params): `Bearer realm="https://ghcr.io/token",
 * service="ghcr.io",scope="repository:org/chart:pull"`. Quoted values may hold commas (a scope
 * of `pull,push`) and backslash escapes. Several challenges in one header are split on the next
 * scheme token. Returns [] for an empty or unparseable header.
 */
export function parseWwwAuthenticate(header: string | null | undefined): Challenge[] {
  if (!header) return [];
  const out: Challenge[] = [];
  let i = 0;
  const s = header;
  const skip = (re: RegExp) => {
    while (i < s.length && re.test(s.charAt(i))) i++;
  };
  const token = (): string => {
    const start = i;
    while (i < s.length && /[!#$%&'*+.^_`|~0-9A-Za-z-]/.test(s.charAt(i))) i++;
    return s.slice(start, i);
  };
  let current: Challenge | undefined;
  while (i < s.length) {
    skip(/[\s,]/);
    if (i >= s.length) break;
    const word = token();
    if (!word) {
      i++; // a stray character: step over it rather than loop forever
      continue;
    }
    skip(/\s/);
    if (s.charAt(i) === '=' && current) {
      i++;
      skip(/\s/);
      let value = '';
      if (s.charAt(i) === '"') {
        i++;
        while (i < s.length && s.charAt(i) !== '"') {
          if (s.charAt(i) === '\\' && i + 1 < s.length) i++;
          value += s.charAt(i);
          i++;
        }
        i++; // closing quote
      } else {
        const start = i;
        while (i < s.length && s.charAt(i) !== ',' && !/\s/.test(s.charAt(i))) i++;
        value = s.slice(start, i);
      }
      current.params[word.toLowerCase()] = value;
    } else {
      current = { scheme: word.toLowerCase(), params: {} };
      out.push(current);
    }
  }
  return out;
}

export interface Credentials {
  username: string;
  password: string;
  /** Where they came from, for messages (never the values themselves). */
  source: string;
}

/** helm's registry config: `$HELM_REGISTRY_CONFIG`, else `~/.config/helm/registry/config.json` (XDG honoured). */
export function helmRegistryConfigPath(env: NodeJS.ProcessEnv = process.env): string {
  if (env.HELM_REGISTRY_CONFIG) return env.HELM_REGISTRY_CONFIG;
  const config = env.XDG_CONFIG_HOME || join(env.HOME || homedir(), '.config');
  return join(config, 'helm', 'registry', 'config.json');
}

/** `https://ghcr.io/v2/` and `ghcr.io` name the same registry in a docker config's `auths`. */
const hostOf = (key: string): string =>
  key
    .replace(/^[a-z]+:\/\//i, '')
    .replace(/\/.*$/, '')
    .toLowerCase();

/**
 * The credentials a docker-format config (what `helm registry login` writes) holds for `host`:
 * `auths[host].auth` (base64 `user:password`) or `username`/`password`. Credential helpers
 * (`credsStore`) are not read: use the environment variables instead. `path` is named in errors.
 */
export function credentialsFromDockerConfig(text: string, host: string, path: string): Credentials | undefined {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new Error(`${path}: not JSON (expected a docker config with "auths")`);
  }
  const auths = (raw as { auths?: unknown } | null)?.auths;
  if (auths === undefined) return undefined;
  if (typeof auths !== 'object' || auths === null || Array.isArray(auths))
    throw new Error(`${path}: "auths" is not an object`);
  const want = host.toLowerCase();
  for (const [key, entry] of Object.entries(auths as Record<string, unknown>)) {
    if (hostOf(key) !== want || typeof entry !== 'object' || entry === null) continue;
    const e = entry as { auth?: unknown; username?: unknown; password?: unknown };
    if (typeof e.auth === 'string' && e.auth !== '') {
      const decoded = Buffer.from(e.auth, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon < 0) throw new Error(`${path}: auths["${key}"].auth: expected base64 of "user:password"`);
      return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1), source: path };
    }
    if (typeof e.username === 'string' && typeof e.password === 'string')
      return { username: e.username, password: e.password, source: path };
  }
  return undefined;
}

export const ENV_USERNAME = 'KOSMOS_REGISTRY_USERNAME';
export const ENV_PASSWORD = 'KOSMOS_REGISTRY_PASSWORD';
/** Which registry host the variables are for; unset: the registry the command was pointed at. */
export const ENV_HOST = 'KOSMOS_REGISTRY_HOST';

/**
 * Credentials for `host`: the environment variables first (CI), then helm's registry config.
 * The variables go only to their own registry (`KOSMOS_REGISTRY_HOST`, else `commandHost`, the
 * registry named on the command line): a promotion resolving images on docker.io must never
 * hand the chart registry's password to docker.io's token service.
 */
export async function findCredentials(
  host: string,
  o: { env?: NodeJS.ProcessEnv; commandHost?: string } = {},
): Promise<Credentials | undefined> {
  const env = o.env ?? process.env;
  const user = env[ENV_USERNAME];
  const pass = env[ENV_PASSWORD];
  const forHost = (env[ENV_HOST] || o.commandHost)?.toLowerCase();
  if (user && pass && forHost === host.toLowerCase())
    return { username: user, password: pass, source: `${ENV_USERNAME}/${ENV_PASSWORD}` };
  const path = helmRegistryConfigPath(env);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    return undefined;
  }
  return credentialsFromDockerConfig(text, host, path);
}

/** A docker-format config holding one registry's credentials, for handing to `helm push`. */
export function dockerConfigFor(host: string, c: Pick<Credentials, 'username' | 'password'>): string {
  return `${JSON.stringify({ auths: { [host]: { auth: Buffer.from(`${c.username}:${c.password}`).toString('base64') } } }, null, 2)}\n`;
}
