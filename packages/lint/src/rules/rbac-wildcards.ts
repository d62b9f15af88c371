import { asList } from '../k8s.ts';
import type { ObjectRule, Violation } from '../types.ts';

const FIELDS = ['apiGroups', 'resources', 'verbs', 'nonResourceURLs', 'resourceNames'] as const;

/** Least privilege: RBAC rules name what they grant. */
export const rbacWildcards: ObjectRule = {
  id: 'no-rbac-wildcards',
  severity: 'error',
  description: 'Roles and ClusterRoles grant named groups, resources and verbs, never "*".',
  scope: 'object',
  check(o) {
    if (o.apiVersion !== 'rbac.authorization.k8s.io/v1' || (o.kind !== 'Role' && o.kind !== 'ClusterRole')) return [];
    const out: Violation[] = [];
    asList(o.rules).forEach((rule, i) => {
      const wild = FIELDS.filter(
        (f) => Array.isArray(rule[f]) && (rule[f] as unknown[]).some((v) => String(v).includes('*')),
      );
      if (wild.length) out.push({ message: `rules[${i}] uses a wildcard in ${wild.join(', ')}` });
    });
    return out;
  },
};
