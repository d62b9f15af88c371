import { type ContainerOf, containerLabel, containersOf, type Obj, podTemplateOf } from '../k8s.ts';
import type { KubeObject, ObjectRule, Severity, Violation } from '../types.ts';

/**
 * Builds a rule that looks at each container of a workload's pod template. `check` returns what
 * is wrong with one container (or nothing); the message is prefixed with the container's name.
 */
export function containerRule(r: {
  id: string;
  severity: Severity;
  description: string;
  /** Which containers the rule is about (default: all). */
  applies?: (c: ContainerOf, o: KubeObject) => boolean;
  check: (c: ContainerOf, pod: Obj) => string | undefined;
}): ObjectRule {
  return {
    id: r.id,
    severity: r.severity,
    description: r.description,
    scope: 'object',
    check(o) {
      const tpl = podTemplateOf(o);
      if (!tpl) return [];
      const out: Violation[] = [];
      for (const c of containersOf(tpl.spec)) {
        if (r.applies && !r.applies(c, o)) continue;
        const problem = r.check(c, tpl.spec);
        if (problem) out.push({ message: `${containerLabel(c)}: ${problem}` });
      }
      return out;
    },
  };
}

/** A container's effective security setting: its own securityContext wins over the pod's. */
export function effective(c: ContainerOf, pod: Obj, key: string): unknown {
  const own = (c.container.securityContext as Obj | undefined)?.[key];
  return own !== undefined && own !== null ? own : (pod.securityContext as Obj | undefined)?.[key];
}

export const securityContextOf = (c: ContainerOf): Obj => (c.container.securityContext as Obj | undefined) ?? {};
