import { checkReleaseValues, type Environment } from '@kosmos/environment';
import type { Finding, RuleInfo } from './types.ts';

export const VALUES_SCHEMA: RuleInfo = {
  id: 'values-schema',
  severity: 'error',
  description: "Each values file of a release is valid YAML and conforms to its chart's values.schema.json.",
};

/**
 * Layer 2: every values file of the environment's releases against its chart's schema (the
 * environment model's check, the same one render and diff run before helm).
 */
export function checkValues(root: string, env: Environment): Finding[] {
  const out: Finding[] = [];
  for (const r of env.releases) {
    const base = { ruleId: VALUES_SCHEMA.id, severity: 'error' as const, env: env.name, release: r.name };
    const { problems, schemaError } = checkReleaseValues(root, r);
    // One finding per values file, as before: the chart's schema is broken for each of them.
    if (schemaError)
      for (const _ of r.values)
        out.push({
          ...base,
          file: schemaError.file,
          message: `values.schema.json does not compile: ${schemaError.message}`,
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
