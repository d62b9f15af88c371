import { parseAllDocuments } from 'yaml';

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    [k: string]: unknown;
  };
  [k: string]: unknown;
}

/** One document of a manifest stream, with the template helm's `# Source:` line names. */
export interface ManifestDoc {
  source?: string;
  object: KubeObject;
}

/** Splits a multi-document manifest stream into objects, dropping empty documents. */
export function parseManifestDocs(text: string, origin = 'manifest'): ManifestDoc[] {
  const out: ManifestDoc[] = [];
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length > 0) throw new Error(`${origin}: ${doc.errors[0]?.message}`);
    const v = doc.toJS() as unknown;
    if (v == null) continue;
    if (typeof v !== 'object' || Array.isArray(v) || !('kind' in v)) {
      throw new Error(`${origin}: a document is not a Kubernetes object`);
    }
    // After `---` the comment belongs to the document's contents; before any `---`, to the document.
    const comments = `${doc.commentBefore ?? ''}\n${(doc.contents as { commentBefore?: string } | null)?.commentBefore ?? ''}`;
    const source = /Source:\s*(\S+)/.exec(comments)?.[1];
    out.push({ ...(source ? { source } : {}), object: v as KubeObject });
  }
  return out;
}

export function parseManifests(text: string, origin = 'manifest'): KubeObject[] {
  return parseManifestDocs(text, origin).map((d) => d.object);
}

/** What identifies an object in a cluster. */
export interface ObjectRef {
  apiVersion: string;
  kind: string;
  name: string;
  namespace?: string;
}

/**
 * The reference of an object. `defaultNamespace` is used only when the object names no
 * namespace (as helm gives a release's objects the release namespace); the object's own
 * namespace always wins. Pass it only for namespaced kinds, or use `Cluster.withNamespace`
 * first, which knows from discovery which kinds are namespaced.
 */
export const refOf = (o: KubeObject, defaultNamespace?: string): ObjectRef => {
  const namespace = o.metadata.namespace || defaultNamespace;
  return { apiVersion: o.apiVersion, kind: o.kind, name: o.metadata.name, ...(namespace ? { namespace } : {}) };
};
