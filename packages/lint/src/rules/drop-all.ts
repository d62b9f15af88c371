import { asObj } from '../k8s.ts';
import { containerRule, securityContextOf } from './container.ts';

/** Seeds: "Drop all capabilities"; restricted allows adding back only NET_BIND_SERVICE. */
export const dropAll = containerRule({
  id: 'drop-all-capabilities',
  severity: 'error',
  description: 'Every container drops ALL capabilities and adds none but NET_BIND_SERVICE (Pod Security restricted).',
  check(c) {
    const caps = asObj(securityContextOf(c).capabilities);
    const drop = Array.isArray(caps.drop) ? caps.drop.map(String) : [];
    const add = (Array.isArray(caps.add) ? caps.add.map(String) : []).filter((a) => a !== 'NET_BIND_SERVICE');
    if (!drop.includes('ALL')) return 'securityContext.capabilities.drop does not include ALL';
    return add.length ? `adds capabilities ${add.join(', ')} (only NET_BIND_SERVICE is allowed)` : undefined;
  },
});
