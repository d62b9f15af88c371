import { EXIT, UserError } from '@kosmos/errors';

/** A chart registry as `helm push` names it: `oci://HOST[:PORT]/NAMESPACE`. */
export interface RegistryRef {
  /** `ghcr.io`, `127.0.0.1:5000` */
  host: string;
  /** Path under the host where charts go (`charts`, `org/charts`); may be empty. */
  namespace: string;
  /** Loopback registries speak plain HTTP (the local one of `pnpm run up`); all others HTTPS. */
  plainHttp: boolean;
  /** Normalised `oci://host/namespace`. */
  url: string;
}

const LOOPBACK = /^(localhost|127(?:\.\d{1,3}){3}|\[::1\])(?::\d+)?$/i;

export const isLoopback = (host: string): boolean => LOOPBACK.test(host);

/** Parses `oci://host[:port][/path]`; anything else is a usage error naming `what` (a flag or file). */
export function parseRegistryUrl(url: string, what = '--registry'): RegistryRef {
  const m = /^oci:\/\/([^/\s]+)(\/[^\s]*)?$/.exec(url.trim());
  if (!m?.[1])
    throw new UserError(`${what}: expected oci://HOST[:PORT]/PATH (as helm push takes), got "${url}"`, EXIT.usage);
  const host = m[1].toLowerCase();
  if (/[@]/.test(host))
    throw new UserError(
      `${what}: credentials do not belong in the registry URL; see the README's Release section`,
      EXIT.usage,
    );
  const namespace = (m[2] ?? '').replace(/^\/+|\/+$/g, '');
  if (namespace && !/^[a-z0-9]+(?:[._-][a-z0-9]+)*(?:\/[a-z0-9]+(?:[._-][a-z0-9]+)*)*$/.test(namespace))
    throw new UserError(`${what}: "${namespace}" is not a valid repository path (lower-case, / separated)`, EXIT.usage);
  return { host, namespace, plainHttp: isLoopback(host), url: `oci://${host}${namespace ? `/${namespace}` : ''}` };
}

/** The repository of one chart under a registry: `charts/core-agents`. */
export const chartRepository = (r: RegistryRef, chart: string): string =>
  r.namespace ? `${r.namespace}/${chart}` : chart;

/** OCI tags may not hold `+`: helm pushes `1.0.0+build` as `1.0.0_build`. */
export const ociTag = (version: string): string => version.replaceAll('+', '_');

/** An image reference split the way a registry is asked about it. */
export interface ImageRef {
  /** Registry host to talk to (`registry-1.docker.io` for Docker Hub). */
  host: string;
  /** Repository path (`library/nginx`, `org/app`). */
  repository: string;
  tag?: string;
  digest?: string;
}

/**
 * Splits `[host[:port]/]path[:tag][@sha256:…]` as docker does: the first component is a host
 * when it has a dot or a port or is `localhost`; otherwise the image is on Docker Hub, and a
 * single-component name is under `library/`. No tag and no digest means `latest`.
 */
export function parseImageRef(ref: string): ImageRef {
  const s = ref.trim();
  if (!s || /\s/.test(s)) throw new UserError(`image "${ref}": expected [HOST/]PATH[:TAG][@sha256:…]`, EXIT.usage);
  const [nameTag, digest] = s.split('@', 2) as [string, string | undefined];
  if (digest !== undefined && !/^sha256:[a-f0-9]{64}$/.test(digest))
    throw new UserError(`image "${ref}": digest "${digest}" is not sha256:<64 hex>`, EXIT.usage);
  const slash = nameTag.indexOf('/');
  const first = slash < 0 ? '' : nameTag.slice(0, slash);
  const hasHost = first !== '' && (first.includes('.') || first.includes(':') || first === 'localhost');
  let host = hasHost ? first.toLowerCase() : 'docker.io';
  let rest = hasHost ? nameTag.slice(slash + 1) : nameTag;
  const colon = rest.lastIndexOf(':');
  const tag = colon > rest.lastIndexOf('/') && colon >= 0 ? rest.slice(colon + 1) : undefined;
  if (tag !== undefined) rest = rest.slice(0, colon);
  if (!/^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/.test(rest))
    throw new UserError(`image "${ref}": "${rest}" is not a valid repository (lower-case, / separated)`, EXIT.usage);
  if (tag !== undefined && !/^[\w][\w.-]{0,127}$/.test(tag))
    throw new UserError(`image "${ref}": tag "${tag}" is not a valid tag`, EXIT.usage);
  if (host === 'docker.io' || host === 'index.docker.io') {
    host = 'registry-1.docker.io';
    if (!rest.includes('/')) rest = `library/${rest}`;
  }
  return {
    host,
    repository: rest,
    ...(tag !== undefined ? { tag } : digest === undefined ? { tag: 'latest' } : {}),
    ...(digest !== undefined ? { digest } : {}),
  };
}
