import type { KubeObject } from '@kosmos/objects';
import { parseAllDocuments } from 'yaml';

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
