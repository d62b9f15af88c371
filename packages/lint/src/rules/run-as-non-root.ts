import { containerRule, effective } from './container.ts';

/** Seeds: "Run as non-root user"; Pod Security restricted requires it. */
export const runAsNonRoot = containerRule({
  id: 'run-as-non-root',
  severity: 'error',
  description: 'Every container runs with runAsNonRoot: true and a non-zero runAsUser (Pod Security restricted).',
  check(c, pod) {
    if (effective(c, pod, 'runAsUser') === 0) return 'runAsUser is 0 (root)';
    return effective(c, pod, 'runAsNonRoot') === true
      ? undefined
      : 'runAsNonRoot is not true (set securityContext.runAsNonRoot: true on the pod or container)';
  },
});
