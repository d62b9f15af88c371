import type { KubeObject } from '@kosmos/objects';
import { CORE_SCHEMA, load, YAMLException } from 'js-yaml';

/** One document of a manifest stream, with the template helm's `# Source:` line names. */
export interface ManifestDoc {
  source?: string;
  object: KubeObject;
  /**
   * The document's own text as helm wrote it (without the `---` and `# Source:` lines), so a
   * manifest can be written again without serialising the object. Not stored in the render cache.
   */
  text?: string;
}

// A line that is exactly a document marker (`---`, optionally followed by a space or comment)
// ends the document before it: YAML forbids such a line inside any scalar, so splitting on it
// is exact, not a heuristic.
const MARKER = /^---(?:[ \t]+(.*))?\r?$/;
const SOURCE = /^#\s*Source:\s*(\S+)/;

/**
 * Splits a multi-document manifest stream into objects, dropping empty documents.
 *
 * helm's output is parsed with js-yaml's YAML 1.2 core schema (the same resolution of scalars as
 * the `yaml` library's default, no timestamps turned into Dates, no merge keys): the profile of
 * a cold render showed the `yaml` library's Document model at ~30 % of our process, and js-yaml
 * reads the same objects 6–15× faster. A parse error names the origin, line and column and
 * js-yaml's reason, never its snippet of the text (a rendered Secret is in there).
 */
export function parseManifestDocs(text: string, origin = 'manifest'): ManifestDoc[] {
  const out: ManifestDoc[] = [];
  const lines = text.split('\n');
  let start = 0;
  const flush = (end: number) => {
    if (end <= start) return;
    let first = start;
    let source: string | undefined;
    // The comment lines before a document's content: helm's `# Source:` is one of them.
    while (first < end && (lines[first]?.startsWith('#') || lines[first]?.trim() === '')) {
      source ??= SOURCE.exec(lines[first] as string)?.[1];
      first++;
    }
    if (first === end) return;
    const body = lines.slice(first, end).join('\n');
    let v: unknown;
    try {
      v = load(body, { schema: CORE_SCHEMA, json: false });
    } catch (e) {
      if (!(e instanceof YAMLException)) throw e;
      const line = first + (e.mark?.line ?? 0) + 1;
      throw new Error(`${origin}: line ${line}, column ${(e.mark?.column ?? 0) + 1}: ${e.reason}`);
    }
    if (v == null) return;
    if (typeof v !== 'object' || Array.isArray(v) || !('kind' in v)) {
      throw new Error(`${origin}: a document is not a Kubernetes object (line ${first + 1})`);
    }
    out.push({
      ...(source ? { source } : {}),
      object: v as KubeObject,
      text: body.endsWith('\n') ? body : `${body}\n`,
    });
  };
  for (let i = 0; i < lines.length; i++) {
    const m = MARKER.exec(lines[i] as string);
    if (!m) continue;
    flush(i);
    start = i + 1;
    // Content on the marker's own line (`--- {a: 1}`) belongs to the next document.
    const rest = m[1]?.trim();
    if (rest && !rest.startsWith('#')) {
      lines[i] = rest;
      start = i;
    }
  }
  flush(lines.length);
  return out;
}

export function parseManifests(text: string, origin = 'manifest'): KubeObject[] {
  return parseManifestDocs(text, origin).map((d) => d.object);
}

/**
 * Whether a YAML text parses cleanly (YAML 1.2 core, duplicate keys refused): a cheap first look
 * at a values file before helm, which takes tabs' and duplicate keys' files silently or with a
 * message naming no line. Only a file that fails here is parsed again for its positions.
 */
export function isCleanYaml(text: string): boolean {
  try {
    load(text, { schema: CORE_SCHEMA });
    return true;
  } catch {
    return false;
  }
}
