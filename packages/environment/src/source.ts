import { type Document, isMap, isPair, isScalar, isSeq, LineCounter, type Node, parseDocument, visit } from 'yaml';
import type { Problem } from './problems.ts';

/** A parsed YAML file that can say where any key or value sits in its text. */
export interface SourceFile {
  file: string;
  doc: Document.Parsed;
  lines: LineCounter;
  /** Parse errors and warnings (tabs, duplicate keys...) as problems. */
  syntax: Problem[];
  /**
   * Set (and also in `syntax`) when the text parses but cannot become data: an alias to an anchor
   * that does not exist, or so many aliases that expanding them would exhaust memory.
   */
  unreadable?: Problem;
}

export function parseSource(file: string, text: string): SourceFile {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const syntax = [...doc.errors, ...doc.warnings].map((e) => {
    const pos = lines.linePos(e.pos[0]);
    return { file, line: pos.line, col: pos.col, path: '', message: `invalid YAML: ${e.message.split('\n')[0]}` };
  });
  if (doc.errors.length === 0) {
    try {
      doc.toJS();
    } catch (e) {
      const alias = firstAliasProblem(doc);
      const pos = lines.linePos(alias?.range?.[0] ?? 0);
      const unreadable = {
        file,
        line: pos.line,
        col: pos.col,
        path: '',
        message: `invalid YAML: ${(e as Error).message.split('\n')[0]}`,
      };
      return { file, doc, lines, syntax: [...syntax, unreadable], unreadable };
    }
  }
  return { file, doc, lines, syntax };
}

/** The first alias that names no anchor before it, else the first alias (for an alias bomb). */
function firstAliasProblem(doc: Document.Parsed): Node | undefined {
  let first: Node | undefined;
  let unresolved: Node | undefined;
  visit(doc, {
    Alias(_, node) {
      first ??= node;
      if (!unresolved && node.resolve(doc) === undefined) unresolved = node;
    },
  });
  return unresolved ?? first;
}

/** JSON pointer (`/nodes/1/address`, as ajv reports) -> path segments, numbers for array indices. */
export function pointerToPath(pointer: string): (string | number)[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}

/**
 * Line and column of the value at `path`, or of its key when `key` is set (an unknown key is
 * best shown where the key is written). Falls back to the nearest existing parent.
 */
export function locate(
  src: SourceFile,
  path: readonly (string | number)[],
  key = false,
): { line: number; col: number } {
  let node: unknown = src.doc.contents;
  let at: [number, number, number] | undefined = (node as Node | null)?.range ?? undefined;
  for (let i = 0; i < path.length; i++) {
    const seg = path[i] as string | number;
    if (isMap(node)) {
      const pair = node.items.find(
        (p) => isPair(p) && (isScalar(p.key) ? String(p.key.value) : String(p.key)) === String(seg),
      );
      if (!pair) break;
      const k = pair.key as Node;
      const v = pair.value as Node | null;
      if (key && i === path.length - 1) {
        at = k.range ?? at;
        break;
      }
      at = v?.range ?? k.range ?? at;
      node = v;
    } else if (isSeq(node)) {
      const item = node.items[Number(seg)] as Node | undefined;
      if (!item) break;
      at = item.range ?? at;
      node = item;
    } else break;
  }
  const pos = src.lines.linePos(at?.[0] ?? 0);
  return { line: pos.line, col: pos.col };
}
