import { existsSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';
import type { Release } from './model.ts';
import { dottedPath, type Problem } from './problems.ts';
import { locate, parseSource, pointerToPath } from './source.ts';
import { schemaProblems } from './validate.ts';

const validators = new Map<string, ValidateFunction | Error>();

/**
 * Chart schemas are compiled the way helm reads them: draft-07, not ajv's strict mode (which
 * rejects valid schemas, e.g. `required` naming a key declared in another branch).
 */
function compileChartSchema(schema: Record<string, unknown>): ValidateFunction {
  const ajv = new Ajv({ allErrors: true, strict: false, allowUnionTypes: true, verbose: true, validateFormats: false });
  return ajv.compile(schema);
}

/** The compiled values.schema.json of a chart folder (cached), the error if it does not compile, or none. */
export function chartValuesValidator(chartDir: string): ValidateFunction | Error | undefined {
  return valuesValidator(join(chartDir, 'values.schema.json'));
}

/** The compiled values schema in `file` (cached), the error if it does not compile, or none. */
export function valuesValidator(file: string): ValidateFunction | Error | undefined {
  if (!existsSync(file)) return undefined;
  let v = validators.get(file);
  if (!v) {
    try {
      v = compileChartSchema(JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>);
    } catch (e) {
      v = e as Error;
    }
    validators.set(file, v);
  }
  return v;
}

/**
 * A values file is one layer over the chart's defaults: a key the schema requires may come from
 * values.yaml, so `required` is left to helm (which validates the merged values); everything the
 * file itself says (unknown keys, types, enums, patterns) is checked here, at its line.
 */
function ownErrorsOnly(v: ValidateFunction): ValidateFunction {
  const wrapped = ((data: unknown) => {
    v(data);
    wrapped.errors = (v.errors ?? []).filter((e) => e.keyword !== 'required');
    return wrapped.errors.length === 0;
  }) as ValidateFunction;
  wrapped.errors = null;
  return wrapped;
}

export interface ValuesCheck {
  problems: Problem[];
  /** The chart's values.schema.json, when it does not compile (the chart's fault, not the file's). */
  schemaError?: { file: string; message: string };
}

/**
 * Every values file of a release of this repository's charts: valid YAML (tabs, duplicate keys)
 * and, key by key, its chart's values.schema.json. Paths are shown relative to `root`. Upstream
 * charts' schemas are left to helm (they are not in the tree); `schema: false` checks syntax only.
 */
export function checkReleaseValues(
  root: string,
  r: Release,
  o: { schema?: boolean; schemaFile?: string } = {},
): ValuesCheck {
  // A pinned chart from the registry may carry another schema than the tree's: syntax only.
  // Upstream charts are checked only against a schema file the caller names (lint keeps them).
  const schemaFile = o.schemaFile ?? (r.chart.kind === 'repo' ? join(r.chart.dir, 'values.schema.json') : undefined);
  const v = schemaFile && o.schema !== false ? valuesValidator(schemaFile) : undefined;
  const problems: Problem[] = [];
  for (const file of r.values) {
    const src = parseSource(relative(root, file), readFileSync(file, 'utf8'));
    if (src.syntax.length > 0) problems.push(...src.syntax);
    else if (v && !(v instanceof Error)) problems.push(...schemaProblems(ownErrorsOnly(v), src.doc.toJS(), src));
  }
  return v instanceof Error
    ? {
        problems,
        schemaError: {
          file: relative(root, schemaFile as string),
          message: v.message,
        },
      }
    : { problems };
}

/**
 * helm's own schema failure (`- at '/agents/zeus': missing property 'image'`, one line per
 * violation) placed in the release's values files: at the last file that writes the key or its
 * nearest parent, where a person would fix it. Empty when `stderr` is not a schema failure.
 */
export function helmSchemaProblems(root: string, r: Release, stderr: string): Problem[] {
  if (!stderr.includes("values don't meet the specifications")) return [];
  const out: Problem[] = [];
  for (const m of stderr.matchAll(/^- at '([^']*)': (.*)$/gm)) {
    const segs = pointerToPath(m[1] ?? '');
    const sources = r.values.map((f) => parseSource(relative(root, f), readFileSync(f, 'utf8')));
    const depth = (s: (typeof sources)[number]): number => {
      let node: unknown = s.doc.toJS();
      let d = 0;
      for (const seg of segs) {
        if (!node || typeof node !== 'object' || !(String(seg) in (node as object))) break;
        node = (node as Record<string, unknown>)[seg];
        d++;
      }
      return d;
    };
    const best = sources.reduce<(typeof sources)[number] | undefined>(
      (acc, s) => (!acc || depth(s) >= depth(acc) ? s : acc),
      undefined,
    );
    const pos = best ? locate(best, segs) : { line: 1, col: 1 };
    out.push({
      file: best?.file ?? `${r.name} (chart defaults)`,
      ...pos,
      path: dottedPath(segs),
      message: (m[2] ?? '').trim(),
    });
  }
  return out;
}
