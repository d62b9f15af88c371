import { asObj } from '../k8s.ts';
import { containerRule } from './container.ts';

const KEYS = ['cpu', 'memory'] as const;

/** Seeds: "Always specify resource requests and limits" (scheduling and noisy neighbours). */
export const resources = containerRule({
  id: 'container-resources',
  severity: 'error',
  description: 'Every container sets CPU and memory requests and limits.',
  // Ephemeral containers cannot carry resources.
  applies: (c) => c.type !== 'ephemeralContainer',
  check(c) {
    const res = asObj(c.container.resources);
    const missing = (['requests', 'limits'] as const).flatMap((kind) =>
      KEYS.filter((k) => asObj(res[kind])[k] === undefined || asObj(res[kind])[k] === null).map((k) => `${kind}.${k}`),
    );
    return missing.length ? `missing resources ${missing.join(', ')}` : undefined;
  },
});
