import type { ChartAnswer, ImageAnswer } from './types.ts';

/**
 * What promote asks registries. The edge passes one in (`PromoteConfig.registry`); the plan only
 * sees the answers.
 */
export interface RegistryLookup {
  /** Whether `oci://host/path/chart:version` exists, and its chart layer digest. */
  chart(registryUrl: string, chart: string, version: string): Promise<Omit<ChartAnswer, 'ref'>>;
  /** The digest `repository:tag` names at `host` (or, for `digest`, whether it exists there). */
  image(host: string, repository: string, reference: string): Promise<Pick<ImageAnswer, 'digest' | 'error'>>;
}

const ACCEPT = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.docker.distribution.manifest.v2+json',
].join(', ');
const CHART_LAYER = 'application/vnd.cncf.helm.chart.content.v1.tar+gzip';
const LOOPBACK = /^(localhost|127(?:\.\d{1,3}){3}|\[::1\])(?::\d+)?$/i;

/** Docker Hub's API host is not its name. */
const apiHost = (host: string) => (host === 'docker.io' ? 'registry-1.docker.io' : host);

async function fetchManifest(
  host: string,
  repository: string,
  reference: string,
  method: 'GET' | 'HEAD',
): Promise<Response> {
  const base = `${LOOPBACK.test(host) ? 'http' : 'https'}://${apiHost(host)}`;
  const url = `${base}/v2/${repository}/manifests/${reference}`;
  const first = await fetch(url, { method, headers: { Accept: ACCEPT }, signal: AbortSignal.timeout(20_000) });
  if (first.status !== 401) return first;
  // Anonymous bearer token (ghcr.io, Docker Hub): the challenge names the realm to ask.
  const challenge = first.headers.get('www-authenticate') ?? '';
  const realm = /realm="([^"]+)"/.exec(challenge)?.[1];
  if (!realm) return first;
  const service = /service="([^"]+)"/.exec(challenge)?.[1];
  const tokenUrl = new URL(realm);
  if (service) tokenUrl.searchParams.set('service', service);
  tokenUrl.searchParams.set('scope', `repository:${repository}:pull`);
  const t = await fetch(tokenUrl, { signal: AbortSignal.timeout(20_000) });
  if (!t.ok) return first;
  const body = (await t.json()) as { token?: string; access_token?: string };
  const token = body.token ?? body.access_token;
  return fetch(url, {
    method,
    headers: { Accept: ACCEPT, Authorization: `Bearer ${token}` },
    signal: AbortSignal.timeout(20_000),
  });
}

const why = (e: unknown) => {
  const err = e as Error & { cause?: { code?: string } };
  return err.cause?.code ?? err.message.split('\n')[0] ?? 'failed';
};

/** Anonymous OCI distribution API lookups (plain HTTP on loopback, HTTPS elsewhere). */
export const httpRegistry: RegistryLookup = {
  async chart(registryUrl, chart, version) {
    const m = /^oci:\/\/([^/]+)\/?(.*)$/.exec(registryUrl);
    if (!m?.[1]) return { chart, version, exists: false, error: `not an oci:// registry: ${registryUrl}` };
    const repository = [m[2], chart].filter(Boolean).join('/');
    try {
      const res = await fetchManifest(m[1], repository, version.replaceAll('+', '_'), 'GET');
      if (res.status === 404) return { chart, version, exists: false };
      if (!res.ok) return { chart, version, exists: false, error: `registry ${m[1]}: HTTP ${res.status}` };
      const manifest = (await res.json()) as { layers?: { mediaType: string; digest: string }[] };
      const layer = manifest.layers?.find((l) => l.mediaType === CHART_LAYER);
      return { chart, version, exists: true, ...(layer ? { digest: layer.digest } : {}) };
    } catch (e) {
      return { chart, version, exists: false, error: `registry ${m[1]}: ${why(e)}` };
    }
  },
  async image(host, repository, reference) {
    try {
      const res = await fetchManifest(host, repository, reference, 'HEAD');
      if (res.status === 404) return {};
      if (!res.ok) return { error: `registry ${host}: HTTP ${res.status}` };
      const digest = res.headers.get('docker-content-digest') ?? undefined;
      return digest ? { digest } : { error: `registry ${host}: no Docker-Content-Digest in its answer` };
    } catch (e) {
      return { error: `registry ${host}: ${why(e)}` };
    }
  },
};
