import { relative } from 'node:path';
import { checkReleaseValues, type Environment } from '@kosmos/environment';
import { upstreamValuesSchema, upstreamValuesSchemaPath } from '@kosmos/upstream';
import type { Finding, RuleInfo } from './types.ts';

export const VALUES_SCHEMA: RuleInfo = {
  id: 'values-schema',
  severity: 'error',
  description: "Each values file of a release is valid YAML and conforms to its chart's values.schema.json.",
};

/**
 * Layer 2: every values file of the environment's releases against its chart's schema (the
 * environment model's check, the same one render and diff run before helm). Upstream charts are
 * not fetched at lint time: their values are checked against the schema we keep for the pinned
 * chart version (see @kosmos/upstream), which refuses keys we do not expect.
 */
export function checkValues(root: string, env: Environment): Finding[] {
  const out: Finding[] = [];
  for (const r of env.releases) {
    const base = { ruleId: VALUES_SCHEMA.id, severity: 'error' as const, env: env.name, release: r.name };
    let schemaFile: string | undefined;
    if (r.chart.kind === 'upstream') {
      schemaFile = upstreamValuesSchema(r.chart.name, r.version);
      if (r.values.length > 0 && schemaFile === undefined) {
        out.push({
          ...base,
          file: relative(root, env.file),
          line: r.at.line,
          message: `values for upstream chart ${r.chart.name} ${r.version} cannot be checked: write ${upstreamValuesSchemaPath(r.chart.name, r.version)} (the keys we set, from the chart's values at that version)`,
        });
        continue;
      }
    }
    const { problems, schemaError } = checkReleaseValues(root, r, schemaFile ? { schemaFile } : {});
    // One finding per values file, as before: the chart's schema is broken for each of them.
    if (schemaError)
      for (const _ of r.values)
        out.push({
          ...base,
          file: schemaError.file,
          message: `${schemaError.file} does not compile: ${schemaError.message}`,
        });
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
  return out;
}
