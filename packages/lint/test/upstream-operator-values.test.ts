/**
 * The Prometheus Operator release (upstream kube-prometheus-stack 77.0.0, operator only) of staging
 * and production against the schema kept for that chart version in
 * packages/upstream/values-schemas/: every key we set is one the chart reads, and nothing but the
 * operator is switched on.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const root = join(import.meta.dirname, '../../..');
const schema = JSON.parse(
  readFileSync(join(root, 'packages/upstream/values-schemas/kube-prometheus-stack-77.0.0.schema.json'), 'utf8'),
);
const validate = new Ajv({ allErrors: true, strict: false }).compile(schema);
const values = (env: string) =>
  parse(readFileSync(join(root, 'environments', env, 'values', 'prometheus-operator.yaml'), 'utf8'));

describe('prometheus-operator release values (kube-prometheus-stack 77.0.0)', () => {
  it.each(['staging', 'production'])('%s: valid, operator only, reloaders above the LimitRange minimum', (env) => {
    const v = values(env);
    expect(validate(v), JSON.stringify(validate.errors)).toBe(true);
    expect(v.prometheusOperator.prometheusConfigReloader.resources.requests.cpu).toBe('50m');
    expect(v.prometheusOperator.admissionWebhooks.enabled).toBe(false);
    expect(v.crds.enabled).toBe(false);
  });

  it('refuses a key the chart does not read, and any other component switched on', () => {
    expect(validate({ ...values('production'), prometheusOperater: {} })).toBe(false);
    expect(validate({ ...values('production'), grafana: { enabled: true } })).toBe(false);
    const v = values('production');
    v.prometheusOperator.resourcez = {};
    expect(validate(v)).toBe(false);
  });
});
