import { appendFileSync, cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type Environment, loadEnvironment } from '@kosmos/environment';
import { afterAll, describe, expect, it } from 'vitest';
import { type CacheKeyParts, cacheKey, chartDigest, RenderCache } from '../src/cache.ts';
import { renderEnvironment } from '../src/render.ts';

const repo = resolve(import.meta.dirname, '../../..');
const root = mkdtempSync(join(tmpdir(), 'kosmos-render-cache-'));
cpSync(join(repo, 'test/fixtures'), root, { recursive: true });
const envFile = join(root, 'environments/diff-fixture/environment.yaml');
writeFileSync(envFile, readFileSync(envFile, 'utf8').replace('KUBECONFIG_PATH', 'none').replace('NAMESPACE', 'ns'));
const valuesFile = join(root, 'environments/diff-fixture/values/app.yaml');
writeFileSync(valuesFile, 'greeting: hello\n');
const cache = new RenderCache(join(root, '.cache'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

async function once(env: Environment): Promise<{ cached: boolean; manifest: string }> {
  const r = (await renderEnvironment(env, { cache })).rendered[0];
  if (!r) throw new Error('the fixture has one release');
  return { cached: r.cached, manifest: r.manifest };
}

/** The render is served from the cache until `change` happens, then helm runs again. */
async function rerendersOn(change: (env: Environment) => Environment | undefined): Promise<string> {
  const env = loadEnvironment(root, 'diff-fixture');
  await once(env);
  expect((await once(env)).cached).toBe(true);
  const changed = change(env) ?? loadEnvironment(root, 'diff-fixture');
  const after = await once(changed);
  expect(after.cached).toBe(false);
  expect((await once(changed)).cached).toBe(true);
  return after.manifest;
}

const withRelease = (env: Environment, patch: Partial<Environment['releases'][number]>): Environment => ({
  ...env,
  releases: env.releases.map((r) => ({ ...r, ...patch })),
});

describe('render cache: a change to any input renders again', () => {
  it('a chart file', async () => {
    const m = await rerendersOn(() => {
      appendFileSync(join(root, 'charts/diff-app/templates/configmap.yaml'), '  added: "yes"\n');
      return undefined;
    });
    expect(m).toMatch(/added: "?yes"?/);
  });
  it('a values file', async () => {
    const m = await rerendersOn(() => {
      writeFileSync(valuesFile, 'greeting: bonjour\n');
      return undefined;
    });
    expect(m).toMatch(/greeting: "?bonjour"?/);
  });
  it('the Kubernetes version', async () => {
    await rerendersOn((env) => ({ ...env, kubernetesVersion: 'v1.35.2' }));
  });
  it('the API versions (CRDs the cluster serves)', async () => {
    await rerendersOn((env) => ({ ...env, cluster: { local: true } }));
  });
  it('the release name', async () => {
    const m = await rerendersOn((env) => withRelease(env, { name: 'renamed' }));
    expect(m).toContain('name: renamed-config');
  });
  it('the namespace', async () => {
    const m = await rerendersOn((env) => withRelease(env, { namespace: 'elsewhere' }));
    expect(m).toContain('namespace elsewhere');
  });
  it('the helm binary (path with its version, size, time) and every other part of the key', () => {
    const base: CacheKeyParts = {
      chart: 'tree abc',
      values: ['a: 1\n'],
      helm: '/cache/tools/helm/v4.3.1/helm\u000012\u00001',
      kubeVersion: 'v1.36.3',
      apiVersions: ['argoproj.io/v1alpha1'],
      release: 'app',
      namespace: 'ns',
    };
    const variants: Partial<CacheKeyParts>[] = [
      { helm: '/cache/tools/helm/v4.3.2/helm\u000012\u00001' },
      { chart: 'tree abd' },
      { values: ['a: 2\n'] },
      { values: ['a: 1\n', ''] },
      { kubeVersion: 'v1.36.4' },
      { apiVersions: [] },
      { release: 'app2' },
      { namespace: 'ns2' },
    ];
    const keys = new Set([cacheKey(base), ...variants.map((v) => cacheKey({ ...base, ...v }))]);
    expect(keys.size).toBe(variants.length + 1);
    expect(cacheKey({ ...base })).toBe(cacheKey(base));
  });
  it("a file:// dependency's files change the chart's digest; its packaged archive does not", async () => {
    const lib = join(root, 'charts/lib');
    cpSync(join(root, 'charts/diff-app'), lib, { recursive: true });
    const app = join(root, 'charts/with-dep');
    cpSync(join(root, 'charts/diff-app'), app, { recursive: true });
    appendFileSync(
      join(app, 'Chart.yaml'),
      'dependencies:\n  - name: lib\n    version: 0.3.0\n    repository: file://../lib\n',
    );
    const before = await chartDigest(app);
    cpSync(join(root, 'charts/diff-app/Chart.yaml'), join(app, 'charts/lib-0.3.0.tgz'), { recursive: true });
    expect(await chartDigest(app)).toBe(before);
    appendFileSync(join(lib, 'values.yaml'), '# changed\n');
    expect(await chartDigest(app)).not.toBe(before);
  });
});
