import { existsSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { type Environment, parseSource, type Release, schemaProblems } from '@kosmos/environment';
import { upstreamValuesSchema, upstreamValuesSchemaPath } from '@kosmos/upstream';
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
  return validatorOf(join(chartDir, 'values.schema.json'));
}

function validatorOf(file: string): ValidateFunction | Error | undefined {
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

/**
 * Upstream charts are not fetched at lint time: their values are checked against the schema we
 * keep for the pinned chart version (see @kosmos/upstream), which refuses keys we do not expect.
 */
function upstreamValidator(r: Release): ValidateFunction | Error | undefined {
  if (r.chart.kind !== 'upstream') return undefined;
  const file = upstreamValuesSchema(r.chart.name, r.version);
  return file ? validatorOf(file) : undefined;
}

/** Layer 2: every values file of the environment's releases against its chart's schema. */
export function checkValues(root: string, env: Environment): Finding[] {
  const out: Finding[] = [];
  for (const r of env.releases) {
    const v = r.chart.kind === 'repo' ? chartValidator(r.chart.dir) : upstreamValidator(r);
    const schemaFile =
      r.chart.kind === 'repo'
        ? relative(root, join(r.chart.dir, 'values.schema.json'))
        : upstreamValuesSchemaPath(r.chart.name, r.version);
    if (r.chart.kind === 'upstream' && r.values.length > 0 && v === undefined) {
      out.push({
        ruleId: VALUES_SCHEMA.id,
        severity: 'error',
        env: env.name,
        release: r.name,
        file: relative(root, env.file),
        line: r.at.line,
        message: `values for upstream chart ${r.chart.name} ${r.version} cannot be checked: write ${schemaFile} (the keys we set, from the chart's values at that version)`,
      });
      continue;
    }
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
        out.push({ ...base, file: schemaFile, message: `${schemaFile} does not compile: ${v.message}` });
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
