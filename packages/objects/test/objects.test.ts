import { describe, expect, it } from 'vitest';
import { byCodeUnit, compareObjects, type KubeObject, objectId, refOf } from '../src/index.ts';

describe('refOf', () => {
  const cm = (namespace?: string) => ({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'c', ...(namespace ? { namespace } : {}) },
  });
  it('uses the default namespace only when the object names none', () => {
    expect(refOf(cm())).toEqual({ apiVersion: 'v1', kind: 'ConfigMap', name: 'c' });
    expect(refOf(cm(), 'd')).toEqual({ apiVersion: 'v1', kind: 'ConfigMap', name: 'c', namespace: 'd' });
    expect(refOf(cm('own'), 'd')).toEqual({ apiVersion: 'v1', kind: 'ConfigMap', name: 'c', namespace: 'own' });
  });
});

describe('objectId', () => {
  it('names apiVersion, kind, namespace (when there is one) and name', () => {
    const o = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'shop' } };
    expect(objectId(o)).toBe('apps/v1/Deployment/shop/web');
    expect(objectId({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' } })).toBe('v1/Namespace/shop');
  });
});

describe('order', () => {
  it('compares by code unit, not by locale', () => {
    expect(['b', 'B', 'a', 'Ä'].sort(byCodeUnit)).toEqual(['B', 'a', 'b', 'Ä']);
  });

  it("puts objects in helm's install order, unknown kinds last", () => {
    const o = (kind: string, name = 'x'): KubeObject => ({ apiVersion: 'v1', kind, metadata: { name } });
    const sorted = [
      o('Widget'),
      o('Deployment'),
      o('Service'),
      o('Namespace'),
      o('ConfigMap', 'b'),
      o('ConfigMap', 'a'),
    ]
      .sort(compareObjects)
      .map((x) => `${x.kind}/${x.metadata.name}`);
    expect(sorted).toEqual(['Namespace/x', 'ConfigMap/a', 'ConfigMap/b', 'Service/x', 'Deployment/x', 'Widget/x']);
  });
});
