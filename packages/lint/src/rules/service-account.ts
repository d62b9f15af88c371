import { podTemplateOf } from '../k8s.ts';
import type { ObjectRule } from '../types.ts';

/** Seeds: "Use dedicated service accounts": never the namespace's `default`. */
export const serviceAccount: ObjectRule = {
  id: 'dedicated-service-account',
  severity: 'error',
  description: 'Every workload runs under its own ServiceAccount, not the namespace default.',
  scope: 'object',
  check(o) {
    const tpl = podTemplateOf(o);
    if (!tpl) return [];
    const sa = tpl.spec.serviceAccountName ?? tpl.spec.serviceAccount;
    if (!sa) return [{ message: 'no serviceAccountName: the pod runs as the namespace\'s "default" ServiceAccount' }];
    return sa === 'default' ? [{ message: 'serviceAccountName is "default"' }] : [];
  },
};
