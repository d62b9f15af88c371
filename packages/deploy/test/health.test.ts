import type { KubeObject } from '@kosmos/objects';
import { describe, expect, it } from 'vitest';
import { hasNoStatus, isDegraded, notReadyReason, podProblem } from '../src/health.ts';

const obj = (kind: string, spec: unknown, status: unknown, generation = 2): KubeObject => ({
  apiVersion: kind === 'Rollout' ? 'argoproj.io/v1alpha1' : 'apps/v1',
  kind,
  metadata: { name: 'w', namespace: 'n', generation },
  spec,
  ...(status === undefined ? {} : { status }),
});

describe('notReadyReason', () => {
  it('a Deployment is Ready only when the new template runs on every replica', () => {
    const ok = { observedGeneration: 2, replicas: 2, updatedReplicas: 2, availableReplicas: 2 };
    expect(notReadyReason(obj('Deployment', { replicas: 2 }, ok))).toBeUndefined();
    // Old pods still available during a stuck rolling update: not Ready.
    expect(
      notReadyReason(
        obj(
          'Deployment',
          { replicas: 2 },
          {
            ...ok,
            replicas: 3,
            updatedReplicas: 1,
            conditions: [
              { type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded', message: 'timed out' },
            ],
          },
        ),
      ),
    ).toBe('2/2 available, 1 updated, 3 in all; timed out');
    expect(notReadyReason(obj('Deployment', { replicas: 2 }, { ...ok, observedGeneration: 1 }))).toBe(
      'generation 2 not yet observed',
    );
    expect(
      notReadyReason(
        obj(
          'Deployment',
          { replicas: 1 },
          {
            observedGeneration: 2,
            conditions: [
              { type: 'ReplicaFailure', status: 'True', message: 'pods "w-1" is forbidden: exceeded quota' },
            ],
          },
        ),
      ),
    ).toBe('0/1 available, 0 updated, 0 in all; pods "w-1" is forbidden: exceeded quota');
  });

  it('StatefulSets and DaemonSets', () => {
    expect(
      notReadyReason(
        obj(
          'StatefulSet',
          { replicas: 1 },
          { observedGeneration: 2, readyReplicas: 0, updatedReplicas: 1, updateRevision: 'w-2' },
        ),
      ),
    ).toBe('0/1 ready, 1 updated');
    expect(
      notReadyReason(
        obj(
          'StatefulSet',
          { replicas: 1 },
          { observedGeneration: 2, readyReplicas: 1, updatedReplicas: 1, updateRevision: 'w-2' },
        ),
      ),
    ).toBeUndefined();
    expect(
      notReadyReason(
        obj(
          'DaemonSet',
          {},
          { observedGeneration: 2, desiredNumberScheduled: 3, numberReady: 3, updatedNumberScheduled: 2 },
        ),
      ),
    ).toBe('3/3 ready, 2 updated');
  });

  it('a Rollout is Ready in phase Healthy; Degraded is final', () => {
    expect(notReadyReason(obj('Rollout', {}, { observedGeneration: '2', phase: 'Healthy' }))).toBeUndefined();
    expect(notReadyReason(obj('Rollout', {}, { observedGeneration: '1', phase: 'Healthy' }))).toBe('phase Healthy');
    const degraded = obj('Rollout', {}, { phase: 'Degraded', message: 'ProgressDeadlineExceeded: timed out' }, 0);
    expect(notReadyReason(degraded)).toBe('phase Degraded: ProgressDeadlineExceeded: timed out');
    expect(isDegraded(degraded)).toBe(true);
    expect(notReadyReason(obj('Rollout', {}, { phase: 'Progressing' }, 0))).toBe('phase Progressing');
  });

  it('a Rollout without any status has no controller looking at it', () => {
    expect(hasNoStatus(obj('Rollout', {}, undefined))).toBe(true);
    expect(hasNoStatus(obj('Rollout', {}, {}))).toBe(true);
    expect(hasNoStatus(obj('Rollout', {}, { phase: 'Progressing' }))).toBe(false);
  });

  it('other kinds are not workloads', () => {
    expect(notReadyReason(obj('ConfigMap', undefined, undefined))).toBeUndefined();
  });
});

describe('podProblem', () => {
  const pod = (status: unknown): KubeObject => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, status });
  it('names an unschedulable pod with the scheduler’s message', () => {
    expect(
      podProblem(
        pod({
          phase: 'Pending',
          conditions: [
            {
              type: 'PodScheduled',
              status: 'False',
              reason: 'Unschedulable',
              message: "0/3 nodes are available: 3 node(s) didn't match Pod's node affinity/selector.",
            },
          ],
        }),
      ),
    ).toBe("unschedulable: 0/3 nodes are available: 3 node(s) didn't match Pod's node affinity/selector.");
  });
  it('a waiting container, a not-ready pod, a ready pod', () => {
    expect(
      podProblem(
        pod({
          phase: 'Pending',
          conditions: [{ type: 'PodScheduled', status: 'True' }],
          containerStatuses: [
            { name: 'app', state: { waiting: { reason: 'ImagePullBackOff', message: 'not found' } } },
          ],
        }),
      ),
    ).toBe('container app ImagePullBackOff: not found');
    expect(
      podProblem(
        pod({ phase: 'Running', conditions: [{ type: 'Ready', status: 'False', reason: 'ContainersNotReady' }] }),
      ),
    ).toBe('Running, ContainersNotReady');
    expect(podProblem(pod({ phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] }))).toBeUndefined();
  });
});
