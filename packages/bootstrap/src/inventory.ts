/** Loads an inventory: YAML -> JSON Schema validation (ajv) -> cross-node checks, errors with file:line:column. */

import { locate, parseSource, pointerToPath } from '@kosmos/environment';
import { EXIT, UserError } from '@kosmos/errors';
import { Ajv, type ErrorObject } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { crossChecks } from './checks.ts';
import { isIpv4Cidr } from './ipv4.ts';
import { inventorySchema } from './schema.ts';
import type { Inventory, Issue } from './types.ts';

/** An issue placed in its source file. */
export interface LocatedIssue extends Issue {
  file: string;
  line: number;
  column: number;
}

/**
 * The inventory is wrong: bad input, so commands print each problem as one line (no stack trace)
 * and exit 2, like EnvironmentError for the environment files.
 */
export class InventoryError extends UserError {
  override name = 'InventoryError';
  constructor(
    readonly file: string,
    readonly issues: LocatedIssue[],
  ) {
    super(
      [
        ...issues.map(formatIssue),
        `${file} is invalid: ${issues.length} problem${issues.length === 1 ? '' : 's'}`,
      ].join('\n'),
      // Bad input file: the documented usage/input exit code.
      EXIT.usage,
    );
  }
}

/** `file:line:column: node field: message`, one line. */
export function formatIssue(i: LocatedIssue): string {
  return `${i.file}:${i.line}:${i.column}: ${i.node} ${i.field}: ${i.message}`;
}

// ajv-formats ships CJS with a default export; under NodeNext it arrives as the module object.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as unknown as (
  a: Ajv,
  f: string[],
) => Ajv;

const ajv = new Ajv({ allErrors: true, useDefaults: true, strict: true, strictTypes: false });
addFormats(ajv, ['ipv4', 'hostname']);
ajv.addFormat('ipv4-cidr', { type: 'string', validate: isIpv4Cidr });
const validate = ajv.compile(inventorySchema);

/** Human name of the node a path points into: `nodes[1] (kosmos-prod-2)`, or `(cluster)`. */
function nodeLabel(data: unknown, path: (string | number)[]): string {
  if (path[0] === 'nodes' && typeof path[1] === 'number') {
    const n = (data as { nodes?: { name?: unknown }[] })?.nodes?.[path[1]];
    return typeof n?.name === 'string' ? n.name : `nodes[${path[1]}]`;
  }
  return '(cluster)';
}

function fieldLabel(path: (string | number)[]): string {
  const rest = path[0] === 'nodes' && typeof path[1] === 'number' ? path.slice(2) : path;
  if (!rest.length) return path[0] === 'nodes' ? '(node)' : '(document)';
  return rest.map((s, i) => (typeof s === 'number' ? `[${s}]` : i === 0 ? s : `.${s}`)).join('');
}

function ajvMessage(e: ErrorObject): string {
  switch (e.keyword) {
    case 'additionalProperties':
      return `unknown key "${(e.params as { additionalProperty: string }).additionalProperty}"`;
    case 'required':
      return `missing required key "${(e.params as { missingProperty: string }).missingProperty}"`;
    case 'enum':
      return `must be one of ${(e.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'format':
      return `must be ${(e.params as { format: string }).format === 'ipv4-cidr' ? 'an IPv4 CIDR with no host bits (a.b.c.d/n)' : `a valid ${(e.params as { format: string }).format}`}`;
    case 'oneOf':
      return 'must have exactly one of "file" (a path on the node) or "env" (a variable NAME)';
    default:
      return e.message ?? e.keyword;
  }
}

function schemaIssues(data: unknown, errors: ErrorObject[]): Issue[] {
  // oneOf reports every branch's failure too; keep only the summary for that location.
  const oneOfAt = new Set(errors.filter((e) => e.keyword === 'oneOf').map((e) => e.instancePath));
  const out: Issue[] = [];
  const seen = new Set<string>();
  for (const e of errors) {
    if (
      e.keyword !== 'oneOf' &&
      [...oneOfAt].some((p) => e.instancePath.startsWith(p) && e.schemaPath.includes('/oneOf/'))
    )
      continue;
    let path = pointerToPath(e.instancePath);
    if (e.keyword === 'additionalProperties')
      path = [...path, (e.params as { additionalProperty: string }).additionalProperty];
    const issue: Issue = { node: nodeLabel(data, path), field: fieldLabel(path), message: ajvMessage(e), path };
    const key = `${issue.field}\0${issue.message}\0${issue.node}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(issue);
  }
  return out;
}

/**
 * Parses and validates inventory text. Throws InventoryError listing every problem (YAML syntax,
 * then schema, then cross-node checks: the latter only run on a schema-valid inventory).
 */
export function parseInventory(text: string, file: string): Inventory {
  // The environment model's located-problem machinery: one YAML parse with positions, one locate.
  const src = parseSource(file, text);
  const { doc } = src;
  const place = (i: Issue, onKey = false): LocatedIssue => {
    const { line, col } = locate(src, i.path, onKey);
    return { ...i, file, line, column: col };
  };
  if (doc.errors.length) {
    throw new InventoryError(
      file,
      // Later syntax errors are mostly consequences of the first: report that one.
      doc.errors.slice(0, 1).map((e) => {
        const pos = src.lines.linePos(e.pos[0]);
        return {
          node: '(document)',
          field: 'yaml',
          message: e.message.split('\n')[0] ?? e.code,
          path: [],
          file,
          line: pos.line,
          column: pos.col,
        };
      }),
    );
  }
  if (src.unreadable) {
    const u = src.unreadable;
    throw new InventoryError(file, [
      {
        node: '(document)',
        field: 'yaml',
        message: u.message.replace(/^invalid YAML: /, ''),
        path: [],
        file,
        line: u.line,
        column: u.col,
      },
    ]);
  }
  const data: unknown = doc.toJS();
  if (!validate(data)) {
    const issues = schemaIssues(data, validate.errors ?? []).map((i) => place(i, i.message.startsWith('unknown key')));
    throw new InventoryError(file, issues);
  }
  const inv = data as unknown as Inventory;
  const cross = crossChecks(inv);
  if (cross.length)
    throw new InventoryError(
      file,
      cross.map((i) => place(i)),
    );
  return inv;
}
