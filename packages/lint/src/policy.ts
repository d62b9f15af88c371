import { RULES } from './rules/index.ts';
import type { Placed, Rule, RuleContext, Severity } from './types.ts';

export interface PolicyHit {
  rule: Rule;
  severity: Severity;
  message: string;
  /** The object the finding is about; none for an environment-wide finding. */
  at?: Placed;
}

/**
 * An object may opt out of one object rule with the annotation `ignore-check.kosmos.io/<rule id>`,
 * whose value says why (as kube-linter's `ignore-check.kube-linter.io/<check>`): e.g. a node agent
 * in a namespace at Pod Security `privileged` that must read root-owned host files. An empty reason
 * does not count.
 */
export const IGNORE_CHECK_PREFIX = 'ignore-check.kosmos.io/';

function ignored(object: Placed['object'], ruleId: string): boolean {
  const reason = (object.metadata?.annotations as Record<string, string> | undefined)?.[
    `${IGNORE_CHECK_PREFIX}${ruleId}`
  ];
  return typeof reason === 'string' && reason.trim().length > 0;
}

/** Layer 4: every rule over the placed objects of one environment. */
export function runPolicy(objects: readonly Placed[], ctx: RuleContext, rules: readonly Rule[] = RULES): PolicyHit[] {
  const hits: PolicyHit[] = [];
  for (const rule of rules) {
    if (rule.scope === 'object') {
      for (const p of objects) {
        if (ignored(p.object, rule.id)) continue;
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
