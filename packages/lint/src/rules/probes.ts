import { containerRule } from './container.ts';

/** Seeds: "Use health checks (liveness, readiness, startup)". Run-to-completion pods are exempt. */
export const probes = containerRule({
  id: 'container-probes',
  severity: 'error',
  description: 'Every long-running container has a liveness and a readiness probe.',
  applies: (c, o) => c.type === 'container' && o.kind !== 'Job' && o.kind !== 'CronJob',
  check(c) {
    const missing = ['livenessProbe', 'readinessProbe'].filter((p) => !c.container[p]);
    return missing.length ? `no ${missing.join(' and no ')}` : undefined;
  },
});
