import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadEnvironment } from '@kosmos/environment';
import { argoApplicationSet } from '@kosmos/render';
import { describe, expect, it } from 'vitest';
import { checkObjects, lintEnvironments, schemasFor } from '../src/index.ts';

const ENV = `name: production
kubernetesVersion: 1.36.3
registry: oci://registry.example/charts
clusters:
  - { name: site-a, context: site-a }
  - { name: site-b, context: site-b }
argocd: { prune: true, selfHeal: true }
releases:
  - { name: platform, namespace: kube-system, chart: platform, version: 0.2.0, values: [values/platform.yaml] }
`;

async function repo(env: string): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'kosmos-lint-argocd-'));
  await mkdir(join(root, 'charts', 'platform'), { recursive: true });
  await writeFile(join(root, 'charts', 'platform', 'Chart.yaml'), 'apiVersion: v2\nname: platform\nversion: 0.2.0\n');
  await mkdir(join(root, 'environments', 'production', 'values'), { recursive: true });
  await writeFile(join(root, 'environments', 'production', 'environment.yaml'), env);
  await writeFile(join(root, 'environments', 'production', 'values', 'platform.yaml'), 'quota: { enabled: true }\n');
  return root;
}

describe("the ApplicationSet against Argo CD's own CRDs (argo-cd/v3 v3.2.11 from the Go module)", async () => {
  const schemas = await schemasFor('1.36.3');
  const root = await repo(ENV);
  const env = loadEnvironment(root, 'production', { standIns: [] });

  it('accepts what render --for argocd writes', () => {
    expect(schemas.kind('argoproj.io/v1alpha1', 'ApplicationSet')?.origin).toBe(
      'github.com/argoproj/argo-cd/v3@v3.2.11',
    );
    expect(schemas.validate(argoApplicationSet(env))).toEqual([]);
    const objs = [{ object: argoApplicationSet(env), namespace: 'argocd', release: '' }];
    expect(checkObjects(root, env, schemas, objs)).toEqual([]);
  });

  it('reports a field the CRD does not have, or of the wrong type, as crd-schema at its path', () => {
    const set = argoApplicationSet(env) as unknown as {
      spec: { template: { spec: { syncPolicy: Record<string, unknown> & { automated: Record<string, unknown> } } } };
    };
    set.spec.template.spec.syncPolicy.automated.prune = 'yes';
    set.spec.template.spec.syncPolicy.automatic = {};
    const found = schemas.validate(set as never).map((p) => `${p.ruleId} ${p.path}: ${p.message}`);
    expect(found).toEqual(
      expect.arrayContaining([
        'crd-schema spec.template.spec.syncPolicy.automated.prune: expected boolean, got "yes"',
        expect.stringMatching(/^crd-schema spec\.template\.spec\.syncPolicy\.automatic: unknown field/),
      ]),
    );
  });

  it('lint of an environment handed to Argo CD with a tree pin reports argocd-render at environment.yaml', async () => {
    const tree = await repo(ENV.replace('version: 0.2.0', 'version: tree'));
    const report = await lintEnvironments(tree, [loadEnvironment(tree, 'production', { standIns: [] })], {
      skipHelmLint: true,
    });
    const hit = report.findings.find((f) => f.ruleId === 'argocd-render');
    expect(hit).toMatchObject({
      severity: 'error',
      file: 'environments/production/environment.yaml',
      env: 'production',
    });
    expect(hit?.message).toMatch(/platform follows the tree/);
  });
});
