import { EXIT, UserError } from '@kosmos/cli';

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
