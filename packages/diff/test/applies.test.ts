import type { KubeObject } from '@kosmos/objects';
import { describe, expect, it } from 'vitest';
import { appliesAsIs, sameValues, stillSet } from '../src/applies.ts';
import { fetchPlan } from '../src/plan.ts';

const desired = (replicas = 2, env = [{ name: 'A', value: '1' }]): KubeObject => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', namespace: 'ns', labels: { app: 'web' } },
  spec: { replicas, template: { spec: { containers: [{ name: 'web', image: 'web:1', env }] } } },
});

const helmFields = {
  'f:metadata': { 'f:labels': { 'f:app': {} } },
  'f:spec': {
    'f:replicas': {},
    'f:template': {
      'f:spec': {
        'f:containers': {
          'k:{"name":"web"}': {
            '.': {},
            'f:name': {},
            'f:image': {},
            'f:env': { 'k:{"name":"A"}': { '.': {}, 'f:name': {}, 'f:value': {} } },
          },
        },
      },
    },
  },
};

/** The live object as the server keeps it: defaults filled in, helm's apply recorded. */
const live = (o: { fields?: Record<string, unknown>; replicas?: number; apiVersion?: string } = {}): KubeObject => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: {
    name: 'web',
    namespace: 'ns',
    labels: { app: 'web' },
    uid: 'u',
    managedFields: [
      {
        manager: 'helm',
        operation: 'Apply',
        apiVersion: o.apiVersion ?? 'apps/v1',
        fieldsType: 'FieldsV1',
        fieldsV1: o.fields ?? helmFields,
      },
      {
        manager: 'kube-controller-manager',
        operation: 'Update',
        subresource: 'status',
        fieldsType: 'FieldsV1',
        fieldsV1: { 'f:status': {} },
      },
    ],
  },
  spec: {
    replicas: o.replicas ?? 2,
    strategy: { type: 'RollingUpdate' },
    template: {
      spec: {
        containers: [
          {
            name: 'web',
            image: 'web:1',
            env: [{ name: 'A', value: '1' }],
            terminationMessagePath: '/dev/termination-log',
          },
        ],
      },
    },
  },
  status: { replicas: 2 },
});

describe('appliesAsIs: no dry run for an apply that changes nothing', () => {
  it('the same values, server defaults beside them: nothing would change', () => {
    expect(appliesAsIs(desired(), live(), 'helm')).toBe(true);
  });
  it('a changed value needs the dry run', () => {
    expect(appliesAsIs(desired(3), live(), 'helm')).toBe(false);
  });
  it('a field the manager owns that is no longer set (a removal) needs the dry run', () => {
    const fields = structuredClone(helmFields) as Record<string, Record<string, Record<string, unknown>>>;
    (fields['f:metadata'] as Record<string, Record<string, unknown>>)['f:labels'] = { 'f:app': {}, 'f:gone': {} };
    expect(appliesAsIs(desired(), live({ fields }), 'helm')).toBe(false);
  });
  it('a list item the manager owns that is gone needs the dry run', () => {
    expect(appliesAsIs(desired(2, []), live(), 'helm')).toBe(false);
  });
  it('an added list item needs the dry run', () => {
    expect(
      appliesAsIs(
        desired(2, [
          { name: 'A', value: '1' },
          { name: 'B', value: '2' },
        ]),
        live(),
        'helm',
      ),
    ).toBe(false);
  });
  it('no live object, a record in another apiVersion, or a value in another form: the dry run', () => {
    expect(appliesAsIs(desired(), undefined, 'helm')).toBe(false);
    expect(appliesAsIs(desired(), live({ apiVersion: 'apps/v1beta2' }), 'helm')).toBe(false);
    expect(sameValues({ cpu: 0.5 }, { cpu: '500m' })).toBe(false);
    expect(sameValues({ a: null }, {})).toBe(false);
    expect(sameValues({ a: {} }, {})).toBe(false);
  });
  it('a manager that owns nothing yet removes nothing', () => {
    expect(appliesAsIs(desired(), live(), 'kosmos')).toBe(true);
  });
  it('set members (v:) and unknown entries', () => {
    expect(stillSet({ 'f:finalizers': { 'v:"a"': {} } }, { finalizers: ['a'] })).toBe(true);
    expect(stillSet({ 'f:finalizers': { 'v:"a"': {} } }, { finalizers: ['b'] })).toBe(false);
    expect(stillSet({ 'i:0': {} }, [1])).toBe(false);
  });
});

describe('fetchPlan: a list per kind and namespace, a GET for one object', () => {
  it('groups, deduplicates and keeps Secrets to GETs', () => {
    const ref = (kind: string, name: string, namespace?: string) => ({
      apiVersion: 'v1',
      kind,
      name,
      ...(namespace ? { namespace } : {}),
    });
    const p = fetchPlan([
      ref('ConfigMap', 'a', 'x'),
      ref('ConfigMap', 'b', 'x'),
      ref('ConfigMap', 'b', 'x'),
      ref('ConfigMap', 'c', 'y'),
      ref('Secret', 's1', 'x'),
      ref('Secret', 's2', 'x'),
      ref('Namespace', 'x'),
      ref('Namespace', 'y'),
    ]);
    expect(p.lists.map((g) => g.map((r) => r.name))).toEqual([
      ['a', 'b'],
      ['x', 'y'],
    ]);
    expect(p.gets.map((r) => r.name)).toEqual(['c', 's1', 's2']);
  });
});
