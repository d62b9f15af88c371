import { existsSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { type Environment, parseSource, schemaProblems } from '@kosmos/environment';
import { Ajv, type ValidateFunction } from 'ajv';
import type { Finding, RuleInfo } from './types.ts';

export const VALUES_SCHEMA: RuleInfo = {
  id: 'values-schema',
  severity: 'error',
  description: "Each values file of a release is valid YAML and conforms to its chart's values.schema.json.",
};

const validators = new Map<string, ValidateFunction | Error>();

/**
 * Chart schemas are compiled the way helm reads them: draft-07, not ajv's strict mode (which
 * rejects valid schemas, e.g. `required` naming a key declared in another branch).
 */
function compileChartSchema(schema: Record<string, unknown>): ValidateFunction {
  const ajv = new Ajv({ allErrors: true, strict: false, allowUnionTypes: true, verbose: true, validateFormats: false });
  return ajv.compile(schema);
}

function chartValidator(chartDir: string): ValidateFunction | Error | undefined {
  const file = join(chartDir, 'values.schema.json');
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

/** Layer 2: every values file of the environment's releases against its chart's schema. */
export function checkValues(root: string, env: Environment): Finding[] {
  const out: Finding[] = [];
  for (const r of env.releases) {
    if (r.chart.kind !== 'repo') continue;
    const v = chartValidator(r.chart.dir);
    for (const file of r.values) {
      const shown = relative(root, file);
      const base = { ruleId: VALUES_SCHEMA.id, severity: 'error' as const, env: env.name, release: r.name };
      const src = parseSource(shown, readFileSync(file, 'utf8'));
      const problems =
        src.syntax.length > 0
          ? src.syntax
          : v instanceof Error
            ? []
            : v
              ? schemaProblems(ownErrorsOnly(v), src.doc.toJS(), src)
              : [];
      if (v instanceof Error) {
        out.push({
          ...base,
          file: relative(root, join(r.chart.dir, 'values.schema.json')),
          message: `values.schema.json does not compile: ${v.message}`,
        });
      }
      for (const p of problems) {
        out.push({
          ...base,
          file: p.file,
          line: p.line,
          col: p.col,
          message: `${p.path ? `${p.path}: ` : ''}${p.message}`,
        });
      }
    }
  }
  return out;
}
