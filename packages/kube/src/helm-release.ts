import { gunzipSync } from 'node:zlib';
import { parseManifests } from '@kosmos/helm';
import type { KubeObject } from '@kosmos/objects';
import type { Cluster } from './cluster.ts';

/**
 * What a Helm release owns, read from Helm's own record of it: the Secret
 * `sh.helm.release.v1.<name>.v<revision>` in the release namespace (labels owner=helm,
 * name=<release>, status, version). Its `release` value is base64 → gzip → JSON, the JSON
 * carrying the rendered `.manifest` of that revision.
 *
 * Why the record and not the `app.kubernetes.io/managed-by=Helm` label plus the
 * `meta.helm.sh/release-*` annotations: the record is exactly what `helm upgrade` compares
 * against to decide what to delete (hooks excluded), and it is one list call in one namespace;
 * the labels would need a list of every kind in every namespace, and they also mark objects
 * adopted from elsewhere and miss objects whose template dropped them.
 *
 * Only the fields below are kept: the record also holds the release's values (`.config`),
 * which may carry secrets and must never reach output.
 */
export interface HelmRelease {
  name: string;
  namespace: string;
  revision: number;
  /** deployed, failed, pending-upgrade, superseded, ... */
  status: string;
  chart: { name: string; version: string; appVersion?: string };
  /** Objects of the manifest (hooks are not in it). */
  objects: KubeObject[];
  updated?: string;
}

interface ReleaseJson {
  name: string;
  namespace: string;
  version: number;
  info?: { status?: string; last_deployed?: string };
  chart?: { metadata?: { name?: string; version?: string; appVersion?: string } };
  manifest?: string;
}

/** Decodes a record Secret's `data.release` (as the API returns it: base64 of Helm's base64). */
export function decodeReleaseRecord(data: string): HelmRelease {
  let text = Buffer.from(Buffer.from(data, 'base64').toString('utf8'), 'base64');
  // gzip magic; Helm has always compressed, but an uncompressed record is valid JSON too.
  if (text[0] === 0x1f && text[1] === 0x8b) text = gunzipSync(text);
  const r = JSON.parse(text.toString('utf8')) as ReleaseJson;
  const meta = r.chart?.metadata ?? {};
  return {
    name: r.name,
    namespace: r.namespace,
    revision: r.version,
    status: r.info?.status ?? 'unknown',
    chart: {
      name: meta.name ?? '',
      version: meta.version ?? '',
      ...(meta.appVersion ? { appVersion: meta.appVersion } : {}),
    },
    objects: r.manifest ? parseManifests(r.manifest, `helm release ${r.namespace}/${r.name} v${r.version}`) : [],
    ...(r.info?.last_deployed ? { updated: r.info.last_deployed } : {}),
  };
}

/**
 * The current revision of a release: the highest one whose status is `deployed`, else the
 * highest one (a failed or pending upgrade), else undefined when the release is not installed.
 */
export async function helmRelease(cluster: Cluster, namespace: string, name: string): Promise<HelmRelease | undefined> {
  const secrets = await cluster.list('v1', 'Secret', { namespace, labelSelector: `owner=helm,name=${name}` });
  const records = secrets
    .filter((s) => s.type === 'helm.sh/release.v1')
    .map((s) => ({ s, version: Number(s.metadata.labels?.version ?? 0), status: s.metadata.labels?.status ?? '' }))
    .sort((a, b) => b.version - a.version);
  const pick = records.find((r) => r.status === 'deployed') ?? records[0];
  const data = (pick?.s.data as Record<string, string> | undefined)?.release;
  return data ? decodeReleaseRecord(data) : undefined;
}
