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

/** Splits a multi-document manifest stream into objects, dropping empty documents. */
export function parseManifests(text: string, source = 'manifest'): KubeObject[] {
  const out: KubeObject[] = [];
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length > 0) throw new Error(`${source}: ${doc.errors[0]?.message}`);
    const v = doc.toJS() as unknown;
    if (v == null) continue;
    if (typeof v !== 'object' || Array.isArray(v) || !('kind' in v)) {
      throw new Error(`${source}: a document is not a Kubernetes object`);
    }
    out.push(v as KubeObject);
  }
  return out;
}
