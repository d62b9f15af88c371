import { asObj } from '../k8s.ts';
import { containerRule, effective } from './container.ts';

/** Pod Security restricted: seccomp RuntimeDefault (or a Localhost profile), never Unconfined. */
export const seccomp = containerRule({
  id: 'seccomp-runtime-default',
  severity: 'error',
  description:
    'Every container runs with seccompProfile RuntimeDefault (or Localhost), set on the pod or the container.',
  check(c, pod) {
    const type = asObj(effective(c, pod, 'seccompProfile')).type;
    if (type === 'RuntimeDefault' || type === 'Localhost') return undefined;
    return type
      ? `seccompProfile.type is ${String(type)} (expected RuntimeDefault)`
      : 'no seccompProfile (expected type RuntimeDefault)';
  },
});
