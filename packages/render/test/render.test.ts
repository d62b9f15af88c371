import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { loadEnvironment } from '@kosmos/environment';
import { compareObjects, type KubeObject } from '@kosmos/objects';
import { describe, expect, it } from 'vitest';
import { apiVersionsFor } from '../src/capabilities.ts';
import { renderEnvironment } from '../src/render.ts';
import { chartSource } from '../src/source.ts';

const root = resolve(import.meta.dirname, '../../..');
const run = promisify(execFile);

const obj = (kind: string, name: string, namespace?: string): KubeObject => ({
  apiVersion: 'v1',
  kind,
  metadata: { name, ...(namespace ? { namespace } : {}) },
});

describe('object order', () => {
  it('puts namespaces and service accounts before the workloads that use them, then sorts by name', () => {
    const objs = [
      obj('Deployment', 'b'),
      obj('Service', 'z'),
      obj('ServiceAccount', 'a'),
      obj('Namespace', 'n'),
      obj('Deployment', 'a'),
      obj('Widget', 'w'),
    ];
    expect(objs.sort(compareObjects).map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([
      'Namespace/n',
      'ServiceAccount/a',
      'Service/z',
      'Deployment/a',
      'Deployment/b',
      'Widget/w',
    ]);
  });
});

describe('chart source', () => {
  const staging = loadEnvironment(root, 'staging');
  const platform = staging.releases.find((r) => r.name === 'platform');
  const traefik = staging.releases.find((r) => r.name === 'traefik');

  it('renders a pin equal to the tree version from the tree, any other pin from the registry', () => {
    if (!platform || !traefik) throw new Error('staging must declare platform and traefik');
    expect(chartSource(staging, platform).kind).toBe('tree');
    expect(chartSource(staging, { ...platform, version: '9.9.9' })).toEqual({
      kind: 'oci',
      ref: 'oci://ghcr.io/kosmos-platform/charts/platform',
      version: '9.9.9',
    });
    expect(chartSource(staging, platform, { prefer: 'registry' }).kind).toBe('oci');
    expect(chartSource(staging, traefik)).toMatchObject({
      kind: 'upstream',
      name: 'traefik',
      repository: 'https://traefik.github.io/charts',
    });
  });

  it('offers the CRD APIs the environment installs, and all of them on the local cluster', () => {
    expect(apiVersionsFor(staging)).toContain('traefik.io/v1alpha1/IngressRoute');
    expect(apiVersionsFor(loadEnvironment(root, 'dev'))).toContain('monitoring.coreos.com/v1/ServiceMonitor');
  });
});

describe('renderEnvironment', () => {
  it('renders every release of production in needs order, skipping upstream charts when asked', async () => {
    const env = loadEnvironment(root, 'production');
    const r = await renderEnvironment(env, { upstream: 'skip' });
    expect(r.rendered.map((x) => x.release.name)).toEqual([
      'platform',
      'data-tier',
      'core-agents',
      'observability',
      'rollouts',
      'ingress',
    ]);
    expect(r.skipped.map((s) => s.release.name).sort()).toEqual([
      'argo-rollouts',
      'prometheus-operator',
      'prometheus-operator-crds',
      'traefik',
    ]);
    const core = r.rendered.find((x) => x.release.name === 'core-agents');
    expect(core?.objects.some((o) => o.kind === 'Deployment' && o.metadata.name === 'athena')).toBe(true);
    expect(core?.manifest).toMatch(
      /^# Release: core-agents \(namespace kosmos-core\)\n---\n# Source: core-agents\/templates\//,
    );
  });

  it('is deterministic: two renders of every environment are byte-identical', async () => {
    for (const name of ['dev', 'staging', 'production']) {
      const env = loadEnvironment(root, name);
      const [a, b] = await Promise.all([
        renderEnvironment(env, { upstream: 'skip', concurrency: 1 }),
        renderEnvironment(env, { upstream: 'skip', concurrency: 4 }),
      ]);
      expect(b.rendered.map((x) => x.manifest)).toEqual(a.rendered.map((x) => x.manifest));
    }
  });
});

describe('pnpm render', () => {
  it('writes one file per release, the same bytes on a second run', async () => {
    const outs = [await mkdtemp(join(tmpdir(), 'kosmos-render-')), await mkdtemp(join(tmpdir(), 'kosmos-render-'))];
    for (const out of outs) {
      await run('pnpm', ['--silent', 'render', '--env', 'staging', '--skip-upstream', '--out', out], { cwd: root });
    }
    const files = (await readdir(outs[0] as string)).sort();
    expect(files).toEqual([
      'core-agents.yaml',
      'data-tier.yaml',
      'ingress.yaml',
      'observability.yaml',
      'platform.yaml',
      'rollouts.yaml',
    ]);
    for (const f of files) {
      expect(await readFile(join(outs[1] as string, f), 'utf8')).toBe(
        await readFile(join(outs[0] as string, f), 'utf8'),
      );
    }
  });

  it('rejects an unknown environment with a one-line error and exit 2', async () => {
    const err = await run('pnpm', ['--silent', 'render', '--env', 'qa'], { cwd: root }).catch(
      (e: { code: number; stderr: string }) => e,
    );
    expect(err).toMatchObject({ code: 2 });
    expect((err as { stderr: string }).stderr.trim()).toBe(
      'render: environments/qa/environment.yaml:1:1: unknown environment "qa" (known: dev, production, staging)',
    );
  });
});

describe('a release helm cannot render', () => {
  /** A throwaway repository whose `bad` chart fails to render and whose `good` chart renders. */
  async function brokenRepo(): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), 'kosmos-render-broken-'));
    for (const [chart, body] of [
      ['good', 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: good\n'],
      ['bad', '{{ fail "the bad chart refuses to render" }}\n'],
    ] as const) {
      await mkdir(join(dir, 'charts', chart, 'templates'), { recursive: true });
      await writeFile(join(dir, 'charts', chart, 'Chart.yaml'), `apiVersion: v2\nname: ${chart}\nversion: 0.1.0\n`);
      await writeFile(join(dir, 'charts', chart, 'templates', 'x.yaml'), body);
    }
    await mkdir(join(dir, 'environments', 'dev'), { recursive: true });
    await writeFile(
      join(dir, 'environments', 'dev', 'environment.yaml'),
      'name: dev\nkubernetesVersion: 1.36.3\ncluster: { local: true }\nregistry: local\nreleases:\n' +
        '  - { name: good, namespace: ns, chart: good, version: tree }\n' +
        '  - { name: bad, namespace: ns, chart: bad, version: tree }\n',
    );
    return dir;
  }

  it('fails the whole render by default, so no caller mistakes it for an empty release', async () => {
    const env = loadEnvironment(await brokenRepo(), 'dev');
    await expect(renderEnvironment(env)).rejects.toThrow(/the bad chart refuses to render/);
  });

  it('is collected with its error when asked, and the other releases still render', async () => {
    const env = loadEnvironment(await brokenRepo(), 'dev');
    const r = await renderEnvironment(env, { onError: 'collect' });
    expect(r.rendered.map((x) => x.release.name)).toEqual(['good']);
    expect(r.failed.map((x) => [x.release.name, x.error.message])).toEqual([
      ['bad', expect.stringMatching(/the bad chart refuses to render/)],
    ]);
  });
});
