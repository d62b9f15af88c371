import { containerRule, securityContextOf } from './container.ts';

/** Pod Security restricted: allowPrivilegeEscalation must be false, never privileged. */
export const noPrivilegeEscalation = containerRule({
  id: 'no-privilege-escalation',
  severity: 'error',
  description: 'Every container sets allowPrivilegeEscalation: false and is not privileged.',
  check(c) {
    const sc = securityContextOf(c);
    if (sc.privileged === true) return 'runs privileged';
    return sc.allowPrivilegeEscalation === false ? undefined : 'securityContext.allowPrivilegeEscalation is not false';
  },
});
