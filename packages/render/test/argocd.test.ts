import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadEnvironment } from '@kosmos/environment';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { argoApplicationSet, argoManifest, mergeValues } from '../src/index.ts';

const PRODUCTION = `name: production
kubernetesVersion: 1.36.3
registry: oci://registry.example/charts
clusters:
  - { name: site-a, context: site-a }
  - { name: site-b, context: site-b, labels: { region: b } }
argocd:
  namespace: argocd
  prune: true
  selfHeal: false
releases:
  - name: ops
    namespace: kube-system
    chart: { name: ops, repository: https://charts.example }
    version: 2.0.0
  - name: a
    namespace: ns-a
    chart: a
    version: 0.2.0
    values: [values/a.yaml, values/a-site.yaml]
    needs: [ops]
  - name: b
    namespace: ns-b
    chart: b
    version: 0.3.0
    needs: [a]
`;

const VALUES = { 'values/a.yaml': 'replicas: 1\n', 'values/a-site.yaml': '' };

async function repo(env: string, files: Record<string, string> = VALUES): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'kosmos-argocd-'));
  for (const c of ['a', 'b']) {
    await mkdir(join(root, 'charts', c), { recursive: true });
    await writeFile(join(root, 'charts', c, 'Chart.yaml'), `apiVersion: v2\nname: ${c}\nversion: 0.1.0\n`);
  }
  const dir = join(root, 'environments', env.match(/^name: (\S+)/)?.[1] ?? 'x');
  await mkdir(join(dir, 'values'), { recursive: true });
  await writeFile(join(dir, 'environment.yaml'), env);
  for (const [f, text] of Object.entries(files)) await writeFile(join(dir, f), text);
  return root;
}

describe('render --for argocd', () => {
  it('one ApplicationSet: clusters labelled with the environment × releases, pins, waves, sync policy', async () => {
    const root = await repo(PRODUCTION, {
      'values/a.yaml': 'replicas: 2\nimage: { tag: v1, digest: "" }\ndrop: me\n# a comment\n',
      'values/a-site.yaml': 'image: { digest: "sha256:abc" }\ndrop: null\n',
    });
    const env = loadEnvironment(root, 'production', { standIns: [] });
    const set = argoApplicationSet(env) as unknown as {
      metadata: { name: string; namespace: string };
      spec: {
        generators: {
          matrix: { generators: [{ clusters: unknown }, { list: { elements: Record<string, string>[] } }] };
        }[];
        template: { metadata: Record<string, Record<string, string>>; spec: Record<string, unknown> };
      };
    };
    expect(set.metadata).toMatchObject({ name: 'production', namespace: 'argocd' });
    const [clusters, list] = set.spec.generators[0]?.matrix.generators ?? [];
    expect(clusters).toEqual({ clusters: { selector: { matchLabels: { environment: 'production' } } } });
    expect(list?.list.elements).toEqual([
      {
        release: 'ops',
        namespace: 'kube-system',
        repoURL: 'https://charts.example',
        chart: 'ops',
        path: '',
        version: '2.0.0',
        wave: '0',
        values: '',
      },
      {
        release: 'a',
        namespace: 'ns-a',
        repoURL: 'oci://registry.example/charts/a',
        chart: '',
        path: '.',
        version: '0.2.0',
        wave: '1',
        values: 'replicas: 2\nimage:\n  tag: v1\n  digest: sha256:abc\n',
      },
      {
        release: 'b',
        namespace: 'ns-b',
        repoURL: 'oci://registry.example/charts/b',
        chart: '',
        path: '.',
        version: '0.3.0',
        wave: '2',
        values: '',
      },
    ]);
    expect(set.spec.template.metadata.name).toBe('{{.name}}-{{.release}}');
    expect(set.spec.template.metadata.annotations).toEqual({ 'argocd.argoproj.io/sync-wave': '{{.wave}}' });
    expect(set.spec.template.spec).toMatchObject({
      project: 'default',
      destination: { server: '{{.server}}', namespace: '{{.namespace}}' },
      source: { targetRevision: '{{.version}}', helm: { releaseName: '{{.release}}', values: '{{.values}}' } },
      syncPolicy: { automated: { prune: true, selfHeal: false } },
    });
    // Deterministic, one document after its header.
    expect(argoManifest(env)).toBe(argoManifest(env));
    expect(parseAllDocuments(argoManifest(env))).toHaveLength(1);
  });

  it('takes the local registry given for `registry: local`', async () => {
    const root = await repo(PRODUCTION.replace('registry: oci://registry.example/charts', 'registry: local'));
    const env = loadEnvironment(root, 'production', { standIns: [] });
    const text = argoManifest(env, { registryUrl: 'oci://127.0.0.1:5000/charts/' });
    expect(text).toContain('repoURL: oci://127.0.0.1:5000/charts/a\n');
  });

  it('refuses dev (`version: tree`) naming the releases and what to do instead, exit 2', async () => {
    const dev = PRODUCTION.replace('name: production', 'name: dev').replace('version: 0.2.0', 'version: tree');
    const env = loadEnvironment(await repo(dev), 'dev', { standIns: [] });
    expect(() => argoApplicationSet(env)).toThrow(
      /^dev: a follows the tree \("version: tree"\): Argo CD syncs released charts .* `pnpm run deploy --env dev`/,
    );
    try {
      argoApplicationSet(env);
    } catch (e) {
      expect((e as { exitCode: number }).exitCode).toBe(2);
    }
  });

  it('refuses an environment that is not handed to Argo CD', async () => {
    const env = loadEnvironment(await repo(PRODUCTION.replace(/argocd:\n( {2}.*\n)+/, '')), 'production', {
      standIns: [] as string[],
    });
    expect(() => argoApplicationSet(env)).toThrow(/production is not handed to Argo CD: add "argocd:"/);
  });

  it('merges values files as helm does', () => {
    expect(mergeValues({ a: { b: 1, c: [1] }, d: 1, e: 2 }, { a: { c: [2], f: 3 }, d: null, e: { x: 1 } })).toEqual({
      a: { b: 1, c: [2], f: 3 },
      e: { x: 1 },
    });
  });
});
