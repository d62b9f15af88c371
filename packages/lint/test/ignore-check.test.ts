import { describe, expect, it } from 'vitest';
import { IGNORE_CHECK_PREFIX, runPolicy } from '../src/policy.ts';
import { runAsNonRoot } from '../src/rules/run-as-non-root.ts';
import { seccomp } from '../src/rules/seccomp.ts';
import { goodDeployment, mutate, placed } from './fixtures.ts';

const ctx = { env: 'production', kubernetesVersion: 'v1.36.3' };
const rootPod = () =>
  mutate(goodDeployment(), (d) => {
    d.spec.template.spec.securityContext.runAsUser = 0;
    d.spec.template.spec.securityContext.runAsNonRoot = false;
    d.spec.template.spec.securityContext.seccompProfile = undefined;
  });

describe('ignore-check.kosmos.io/<rule> annotations', () => {
  it('skip the named rule for that object only, and only with a reason', () => {
    const hits = (annotations?: Record<string, string>) =>
      runPolicy(
        placed([mutate(rootPod(), (d) => Object.assign(d.metadata, annotations ? { annotations } : {}))]),
        ctx,
        [runAsNonRoot, seccomp],
      ).map((h) => h.rule.id);
    expect(hits()).toEqual(['run-as-non-root', 'seccomp-runtime-default']);
    expect(hits({ [`${IGNORE_CHECK_PREFIX}run-as-non-root`]: 'reads root-owned host logs' })).toEqual([
      'seccomp-runtime-default',
    ]);
    expect(hits({ [`${IGNORE_CHECK_PREFIX}run-as-non-root`]: ' ' })).toEqual([
      'run-as-non-root',
      'seccomp-runtime-default',
    ]);
  });
});
