import { ApiError, type KubeClient } from './client.ts';

/** How the API server serves one kind. */
export interface ApiResource {
  group: string;
  version: string;
  kind: string;
  /** Plural resource name used in URLs, e.g. `deployments`. */
  resource: string;
  namespaced: boolean;
}

interface ResourceList {
  resources: { name: string; kind: string; namespaced: boolean }[];
}

/**
 * Kind → resource, per group/version, asked of the server once per group/version and kept for
 * the life of the Discovery (one per client). A group/version the server does not serve
 * resolves to an empty map: `resolve` then says `undefined` (a CRD that is not installed).
 */
export class Discovery {
  private readonly cache = new Map<string, Promise<Map<string, ApiResource>>>();
  constructor(private readonly client: KubeClient) {}

  private groupVersion(apiVersion: string): Promise<Map<string, ApiResource>> {
    let hit = this.cache.get(apiVersion);
    if (!hit) {
      hit = this.load(apiVersion);
      this.cache.set(apiVersion, hit);
    }
    return hit;
  }

  private async load(apiVersion: string): Promise<Map<string, ApiResource>> {
    const [group, version] = apiVersion.includes('/') ? (apiVersion.split('/') as [string, string]) : ['', apiVersion];
    const path = group ? `/apis/${group}/${version}` : `/api/${version}`;
    const out = new Map<string, ApiResource>();
    try {
      const list = await this.client.request<ResourceList>('GET', path);
      for (const r of list.resources) {
        if (r.name.includes('/')) continue; // subresources: deployments/status
        out.set(r.kind, { group, version, kind: r.kind, resource: r.name, namespaced: r.namespaced });
      }
    } catch (e) {
      if (!(e instanceof ApiError && e.status === 404)) throw e;
    }
    return out;
  }

  /** The resource serving `kind` at `apiVersion`, or undefined when the server has none (no CRD). */
  async resolve(apiVersion: string, kind: string): Promise<ApiResource | undefined> {
    return (await this.groupVersion(apiVersion)).get(kind);
  }
}

/** URL path of a resource collection or of one object. */
export function resourcePath(r: ApiResource, namespace?: string, name?: string): string {
  const base = r.group ? `/apis/${r.group}/${r.version}` : `/api/${r.version}`;
  const ns = r.namespaced && namespace ? `/namespaces/${encodeURIComponent(namespace)}` : '';
  return `${base}${ns}/${r.resource}${name ? `/${encodeURIComponent(name)}` : ''}`;
}
