import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { dottedPath, type Problem } from './problems.ts';
import { locate, pointerToPath, type SourceFile } from './source.ts';

type Schema = Record<string, unknown>;

/** Compiles a JSON Schema once; `x-expected` texts are kept for messages, not enforced. */
export function compile(schema: Schema): ValidateFunction {
  const ajv = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true, verbose: true });
  ajv.addKeyword({ keyword: 'x-expected', schemaType: 'string' });
  return ajv.compile(schema);
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a map';
  if (typeof v === 'string') return `"${v.length > 40 ? `${v.slice(0, 40)}…` : v}"`;
  return String(v);
}

function valueAt(data: unknown, segs: readonly (string | number)[]): unknown {
  return segs.reduce<unknown>(
    (o, s) => (o && typeof o === 'object' ? (o as Record<string, unknown>)[s] : undefined),
    data,
  );
}

/**
 * ajv reports every branch of a `oneOf` that failed; the outer `oneOf` error (with the schema's
 * `x-expected`) says it best, so errors below a failed oneOf are dropped.
 */
function relevant(errors: ErrorObject[]): ErrorObject[] {
  const oneOfPaths = errors.filter((e) => e.keyword === 'oneOf').map((e) => e.instancePath);
  return errors.filter(
    (e) => e.keyword === 'oneOf' || !oneOfPaths.some((p) => e.instancePath === p || e.instancePath.startsWith(`${p}/`)),
  );
}

function message(e: ErrorObject, data: unknown, segs: readonly (string | number)[]): string {
  const expected = (e.parentSchema as Schema | undefined)?.['x-expected'] as string | undefined;
  const got = describe(valueAt(data, segs));
  switch (e.keyword) {
    case 'additionalProperties': {
      const allowed = Object.keys(((e.parentSchema as Schema).properties as Schema | undefined) ?? {});
      return `unknown key "${e.params.additionalProperty}"${allowed.length ? ` (expected one of: ${allowed.join(', ')})` : ''}`;
    }
    case 'required':
      return `missing required key "${e.params.missingProperty}"`;
    case 'type':
      return `expected ${e.params.type}${expected ? ` (${expected})` : ''}, got ${got}`;
    case 'enum':
      return `expected one of ${(e.params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}, got ${got}`;
    case 'const':
      return `expected ${JSON.stringify(e.params.allowedValue)}, got ${got}`;
    case 'uniqueItems':
      return `has duplicate items (${e.params.j} and ${e.params.i})`;
    default:
      return `expected ${expected ?? e.message ?? 'something else'}, got ${got}`;
  }
}

/** Validates parsed data and reports each violation at its place in the source file. */
export function schemaProblems(validate: ValidateFunction, data: unknown, src: SourceFile): Problem[] {
  if (validate(data)) return [];
  return relevant(validate.errors ?? []).map((e) => {
    const segs = pointerToPath(e.instancePath);
    const unknownKey = e.keyword === 'additionalProperties' ? String(e.params.additionalProperty) : undefined;
    const pathSegs = unknownKey ? [...segs, unknownKey] : segs;
    const pos = locate(src, pathSegs, Boolean(unknownKey));
    return { file: src.file, ...pos, path: dottedPath(pathSegs), message: message(e, data, segs) };
  });
}
