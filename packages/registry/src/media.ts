/** Media types a registry answers with, and the ones helm writes into a chart's manifest. */
export const MEDIA = {
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  helmConfig: 'application/vnd.cncf.helm.config.v1+json',
  helmChart: 'application/vnd.cncf.helm.chart.content.v1.tar+gzip',
  helmProv: 'application/vnd.cncf.helm.chart.provenance.v1.prov',
} as const;

/** What we accept for a manifest: without the index types a registry may answer an image tag with 404. */
export const MANIFEST_ACCEPT = [MEDIA.ociManifest, MEDIA.ociIndex, MEDIA.dockerManifest, MEDIA.dockerList].join(', ');

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  annotations?: Record<string, string>;
}

/** An image manifest (one config, layers) or an index (manifests for several platforms). */
export type Manifest =
  | { kind: 'manifest'; mediaType: string; config: Descriptor; layers: Descriptor[] }
  | { kind: 'index'; mediaType: string; manifests: Descriptor[] };

const DIGEST = /^sha256:[a-f0-9]{64}$/;

export const isDigest = (s: string): boolean => DIGEST.test(s);

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function descriptor(v: unknown, where: string): Descriptor {
  if (!isObject(v)) throw new Error(`${where}: expected a descriptor object`);
  const { mediaType, digest, size, annotations } = v;
  if (typeof mediaType !== 'string') throw new Error(`${where}.mediaType: expected a string`);
  if (typeof digest !== 'string' || !isDigest(digest)) throw new Error(`${where}.digest: expected sha256:<64 hex>`);
  if (typeof size !== 'number' || !Number.isInteger(size) || size < 0)
    throw new Error(`${where}.size: expected a whole number`);
  return {
    mediaType,
    digest,
    size,
    ...(isObject(annotations) ? { annotations: annotations as Record<string, string> } : {}),
  };
}

/**
 * Checks a manifest body once, at the boundary: everything after works on the typed value.
 * `contentType` is the response's Content-Type, used when the body has no `mediaType` (allowed
 * by the OCI spec for image manifests).
 */
export function parseManifest(body: string, contentType: string | null, where: string): Manifest {
  let raw: unknown;
  try {
    raw = JSON.parse(body);
  } catch {
    throw new Error(`${where}: the manifest is not JSON`);
  }
  if (!isObject(raw)) throw new Error(`${where}: the manifest is not a JSON object`);
  const mediaType =
    typeof raw.mediaType === 'string' ? raw.mediaType : (contentType?.split(';')[0]?.trim() ?? MEDIA.ociManifest);
  if (mediaType === MEDIA.ociIndex || mediaType === MEDIA.dockerList || Array.isArray(raw.manifests)) {
    if (!Array.isArray(raw.manifests)) throw new Error(`${where}: an index without "manifests"`);
    return {
      kind: 'index',
      mediaType,
      manifests: raw.manifests.map((m, i) => descriptor(m, `${where}: manifests[${i}]`)),
    };
  }
  if (mediaType !== MEDIA.ociManifest && mediaType !== MEDIA.dockerManifest)
    throw new Error(`${where}: unsupported manifest media type "${mediaType}"`);
  if (!Array.isArray(raw.layers)) throw new Error(`${where}: a manifest without "layers"`);
  return {
    kind: 'manifest',
    mediaType,
    config: descriptor(raw.config, `${where}: config`),
    layers: raw.layers.map((l, i) => descriptor(l, `${where}: layers[${i}]`)),
  };
}

/** The chart archive of a helm chart's manifest; undefined for anything that is not a chart. */
export function chartLayer(m: Manifest): Descriptor | undefined {
  if (m.kind !== 'manifest' || m.config.mediaType !== MEDIA.helmConfig) return undefined;
  return m.layers.find((l) => l.mediaType === MEDIA.helmChart);
}

/** The provenance (.prov) layer of a signed chart. */
export function provenanceLayer(m: Manifest): Descriptor | undefined {
  return m.kind === 'manifest' ? m.layers.find((l) => l.mediaType === MEDIA.helmProv) : undefined;
}
