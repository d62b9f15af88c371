import { asObj, isObj, WORKLOAD_KINDS } from '../k8s.ts';
import type { EnvironmentRule, Placed, Violation } from '../types.ts';

const emptySelector = (s: unknown) =>
  isObj(s) &&
  Object.keys(asObj(s.matchLabels)).length === 0 &&
  (!Array.isArray(s.matchExpressions) || s.matchExpressions.length === 0);

/** Directions (Ingress, Egress) a NetworkPolicy denies for every pod of its namespace. */
export function deniedDirections(np: Placed): string[] {
  const spec = asObj(np.object.spec);
  if (!emptySelector(spec.podSelector)) return [];
  const types = Array.isArray(spec.policyTypes)
    ? spec.policyTypes.map(String)
    : spec.egress
      ? ['Ingress', 'Egress']
      : ['Ingress'];
  const none = (rules: unknown) => !Array.isArray(rules) || rules.length === 0;
  return types.filter((t) => (t === 'Ingress' ? none(spec.ingress) : t === 'Egress' ? none(spec.egress) : false));
}

/**
 * Seeds: "Use Network Policies"; the platform is default-deny. Every namespace the environment
 * creates or runs workloads in has a policy denying all ingress and all egress to every pod, on
 * which the allow rules build. Checked across all releases of the environment.
 */
export const defaultDeny: EnvironmentRule = {
  id: 'default-deny-network-policy',
  severity: 'error',
  description:
    'Every namespace of the environment has a default-deny NetworkPolicy (empty podSelector, Ingress and Egress, no rules).',
  scope: 'environment',
  check(all) {
    const namespaces = new Map<string, Placed | undefined>();
    for (const p of all) {
      if (p.object.kind === 'Namespace' && p.object.apiVersion === 'v1') namespaces.set(p.object.metadata.name, p);
    }
    for (const p of all) {
      if (WORKLOAD_KINDS.has(p.object.kind) && p.namespace && !namespaces.has(p.namespace))
        namespaces.set(p.namespace, p);
    }
    const denied = new Map<string, Set<string>>();
    for (const p of all) {
      if (p.object.kind !== 'NetworkPolicy' || !p.namespace) continue;
      const set = denied.get(p.namespace) ?? new Set<string>();
      for (const d of deniedDirections(p)) set.add(d);
      denied.set(p.namespace, set);
    }
    const out: Violation[] = [];
    for (const [ns, at] of [...namespaces].sort(([a], [b]) => a.localeCompare(b))) {
      const missing = ['Ingress', 'Egress'].filter((d) => !denied.get(ns)?.has(d));
      if (missing.length) {
        out.push({
          ...(at ? { object: at } : {}),
          message: `namespace ${ns} has no default-deny NetworkPolicy for ${missing.join(' and ')} (podSelector: {} with no ${missing.map((m) => m.toLowerCase()).join('/')} rules)`,
        });
      }
    }
    return out;
  },
};
