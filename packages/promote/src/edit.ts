import { isMap, isScalar, parseDocument, type Scalar, stringify, type YAMLMap } from 'yaml';

/** One scalar to set in a YAML file: `path` of keys (and sequence indexes) from the root. */
export interface ScalarEdit {
  path: (string | number)[];
  value: string;
}

/** A path that cannot be edited in place, with why (the plan reports it, nothing is written). */
export class EditError extends Error {
  override name = 'EditError';
}

const plainSafe = (value: string) => {
  // A plain scalar must read back as the same string: `1.10` would be a number, `true` a boolean.
  try {
    const doc = parseDocument(value);
    return doc.errors.length === 0 && doc.contents !== null && isScalar(doc.contents) && doc.contents.value === value;
  } catch {
    return false;
  }
};

/** The new text of a scalar, in the quoting style the file already used there. */
function scalarText(node: Scalar, value: string): string {
  switch (node.type) {
    case 'QUOTE_SINGLE':
      return `'${value.replaceAll("'", "''")}'`;
    case 'QUOTE_DOUBLE':
      return JSON.stringify(value);
    case 'PLAIN':
      return plainSafe(value) && !value.includes('#') && !/[\n\r]/.test(value) ? value : JSON.stringify(value);
    default:
      throw new EditError(`block scalars (| or >) are not edited in place`);
  }
}

/** Where a new key is inserted: after the last pair of `map`, one line, same indentation. */
function insertionFor(text: string, map: YAMLMap, key: string, value: string): { at: number; text: string } {
  const last = map.items[map.items.length - 1];
  const lastKey = last?.key as Scalar | undefined;
  if (!last || !lastKey?.range) throw new EditError(`cannot add "${key}" to an empty mapping in place`);
  if (map.flow) {
    const end = (last.value as Scalar | null)?.range?.[1] ?? lastKey.range[1];
    return { at: end, text: `, ${key}: ${plainSafe(value) ? value : JSON.stringify(value)}` };
  }
  const lineStart = text.lastIndexOf('\n', lastKey.range[0] - 1) + 1;
  const indent = text.slice(lineStart, lastKey.range[0]);
  if (!/^ *$/.test(indent)) throw new EditError(`cannot add "${key}" beside a key that does not start its line`);
  const valueEnd = (last.value as Scalar | null)?.range?.[2] ?? lastKey.range[2];
  // After the line (or lines) of the last pair, comment included.
  let at = text.indexOf('\n', Math.max(valueEnd - 1, lastKey.range[1]));
  if (at === -1) at = text.length;
  const prefix = at === text.length && !text.endsWith('\n') ? '\n' : '';
  const line = `${indent}${key}: ${plainSafe(value) ? value : JSON.stringify(value)}`;
  return at === text.length ? { at, text: `${prefix}${line}\n` } : { at: at + 1, text: `${line}\n` };
}

/**
 * Sets scalars in YAML text and changes nothing else: every byte outside the edited scalars
 * (comments, key order, quoting, blank lines, flow style) stays as it was. The parser only
 * locates each scalar; the new value is spliced into the original text in the scalar's own
 * quoting style. A key missing from an existing mapping is added as one line after its last
 * pair; a missing mapping is an error (the plan says where to add it).
 */
export function editYaml(text: string, edits: readonly ScalarEdit[], file = 'file'): string {
  const doc = parseDocument(text, { keepSourceTokens: false });
  if (doc.errors.length) throw new EditError(`${file}: not valid YAML: ${doc.errors[0]?.message.split('\n')[0]}`);
  const splices: { start: number; end: number; text: string }[] = [];
  for (const e of edits) {
    const parentPath = e.path.slice(0, -1);
    const key = e.path[e.path.length - 1];
    const parent = parentPath.length ? doc.getIn(parentPath, true) : doc.contents;
    if (!isMap(parent)) {
      throw new EditError(`${file}: ${parentPath.join('.') || '(root)'} is not a mapping`);
    }
    const node = parent.get(key, true);
    if (node === undefined) {
      if (typeof key !== 'string') throw new EditError(`${file}: ${e.path.join('.')} does not exist`);
      const ins = insertionFor(text, parent, key, e.value);
      splices.push({ start: ins.at, end: ins.at, text: ins.text });
      continue;
    }
    if (!isScalar(node) || !node.range) throw new EditError(`${file}: ${e.path.join('.')} is not a scalar`);
    if (node.value === e.value) continue;
    splices.push({ start: node.range[0], end: node.range[1], text: scalarText(node, e.value) });
  }
  splices.sort((a, b) => b.start - a.start);
  for (let i = 1; i < splices.length; i++) {
    const prev = splices[i - 1] as { start: number };
    const cur = splices[i] as { end: number };
    if (cur.end > prev.start) throw new EditError(`${file}: two edits overlap`);
  }
  let out = text;
  for (const s of splices) out = out.slice(0, s.start) + s.text + out.slice(s.end);
  // The result must say exactly what was meant: parse it back and compare every edited value.
  const back = parseDocument(out);
  for (const e of edits) {
    const v = back.getIn(e.path);
    if (v !== e.value) throw new EditError(`${file}: ${e.path.join('.')} reads back as ${stringify(v).trim()}`);
  }
  return out;
}
