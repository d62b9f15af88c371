import { describe, expect, it } from 'vitest';
import { schemasFor } from '../src/index.ts';
import { container, goodDeployment, mutate } from './fixtures.ts';

const rollout = {
  apiVersion: 'argoproj.io/v1alpha1',
  kind: 'Rollout',
  metadata: { name: 'zeus', namespace: 'kosmos-core' },
  spec: {
    workloadRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'zeus', scaleDown: 'never' },
    strategy: { canary: { steps: [{ setWeight: 10 }, { pause: { duration: '5m' } }] } },
  },
};

describe('schemas of the environment Kubernetes version (k8s.io/kubernetes OpenAPI v3) and the pinned CRDs', async () => {
  const schemas = await schemasFor('1.36.3');

  it('accepts a good Deployment and reports field paths of a broken one', () => {
    expect(schemas.validate(goodDeployment())).toEqual([]);
    const broken = mutate(goodDeployment(), (m) => {
      m.spec.replicas = 'two';
      container(m).imagePullPolicy = 'Sometimes';
      container(m).securityContext.runAsNonroot = true; // typo: unknown field
      m.spec.strategy = { rollingUpdate: { maxSurge: true } };
      delete container(m).name;
    });
    const found = schemas.validate(broken).map((p) => `${p.ruleId} ${p.path}: ${p.message}`);
    expect(found).toEqual(
      expect.arrayContaining([
        'k8s-schema spec.replicas: expected integer, got "two"',
        'k8s-schema spec.template.spec.containers[0].securityContext.runAsNonroot: unknown field (strict decoding rejects it)',
        'k8s-schema spec.strategy.rollingUpdate.maxSurge: expected integer or string, got boolean true',
        'k8s-schema spec.template.spec.containers[0].name: required field is missing',
      ]),
    );
  });

  it('accepts a good Rollout (CRD) and reports a broken one as crd-schema', () => {
    expect(schemas.validate(rollout as never)).toEqual([]);
    const broken = mutate(rollout as never, (m) => {
      m.spec.strategy.canary.steps[0].setWeight = 'ten';
      m.spec.strategy.canary.stepz = [];
      m.metadata.labelz = {};
    });
    expect(schemas.validate(broken).map((p) => `${p.ruleId} ${p.path}: ${p.message}`)).toEqual([
      'crd-schema metadata.labelz: unknown field (strict decoding rejects it)',
      'crd-schema spec.strategy.canary.stepz: unknown field (strict decoding rejects it)',
      'crd-schema spec.strategy.canary.steps[0].setWeight: expected integer, got "ten"',
    ]);
  });

  it('says when a kind has no schema: built-in groups are errors, unknown CRDs warnings', () => {
    expect(schemas.validate({ apiVersion: 'apps/v1beta9', kind: 'Deployment', metadata: { name: 'x' } })).toEqual([
      expect.objectContaining({ ruleId: 'k8s-schema', severity: 'error' }),
    ]);
    expect(schemas.validate({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'x' } })).toEqual([
      expect.objectContaining({ ruleId: 'crd-schema', severity: 'warning' }),
    ]);
    expect(schemas.validate({ apiVersion: 'argoproj.io/v1alpha1', kind: 'Nope', metadata: { name: 'x' } })).toEqual([
      expect.objectContaining({ ruleId: 'crd-schema', severity: 'error' }),
    ]);
  });

  it('treats nulls as absent, as the API server decoder does', () => {
    expect(schemas.validate(mutate(goodDeployment(), (m) => (m.metadata.annotations = null)))).toEqual([]);
  });
});
