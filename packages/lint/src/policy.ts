import { RULES } from './rules/index.ts';
import type { Placed, Rule, RuleContext, Severity } from './types.ts';

export interface PolicyHit {
  rule: Rule;
  severity: Severity;
  message: string;
  /** The object the finding is about; none for an environment-wide finding. */
  at?: Placed;
}

/** Layer 4: every rule over the placed objects of one environment. */
export function runPolicy(objects: readonly Placed[], ctx: RuleContext, rules: readonly Rule[] = RULES): PolicyHit[] {
  const hits: PolicyHit[] = [];
  for (const rule of rules) {
    if (rule.scope === 'object') {
      for (const p of objects) {
        for (const v of rule.check(p.object, ctx))
          hits.push({ rule, severity: v.severity ?? rule.severity, message: v.message, at: p });
      }
    } else {
      for (const v of rule.check(objects, ctx)) {
        hits.push({
          rule,
          severity: v.severity ?? rule.severity,
          message: v.message,
          ...(v.object ? { at: v.object } : {}),
        });
      }
    }
  }
  return hits;
}
