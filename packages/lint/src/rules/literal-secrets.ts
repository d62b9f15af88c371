import { isObj } from '../k8s.ts';
import type { ObjectRule } from '../types.ts';

/** Secrets come by reference (external secret store, pre-created); a chart never carries values. */
export const literalSecrets: ObjectRule = {
  id: 'no-literal-secrets',
  severity: 'error',
  description: 'Charts render no Secret with literal data or stringData; secrets are referenced, not carried.',
  scope: 'object',
  check(o) {
    if (o.kind !== 'Secret' || o.apiVersion !== 'v1') return [];
    const keys = ['data', 'stringData'].flatMap((f) =>
      isObj(o[f]) ? Object.keys(o[f] as object).map((k) => `${f}.${k}`) : [],
    );
    return keys.length ? [{ message: `Secret carries literal values (${keys.join(', ')})` }] : [];
  },
};
