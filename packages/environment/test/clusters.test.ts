import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { asStandIn, clustersOf, EnvironmentError, loadEnvironment } from '../src/index.ts';

async function repo(text: string): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'kosmos-clusters-'));
  await mkdir(join(root, 'charts', 'a'), { recursive: true });
  await writeFile(join(root, 'charts', 'a', 'Chart.yaml'), 'apiVersion: v2\nname: a\nversion: 0.1.0\n');
  await mkdir(join(root, 'environments', 'production'), { recursive: true });
  await writeFile(join(root, 'environments', 'production', 'environment.yaml'), text);
  return root;
}

const head = 'name: production\nkubernetesVersion: 1.36.3\nregistry: oci://r.example/charts\n';
const releases = 'releases:\n  - { name: a, namespace: ns-a, chart: a, version: 0.1.0 }\n';

async function problems(text: string): Promise<string[]> {
  const root = await repo(text);
  try {
    loadEnvironment(root, 'production', { standIns: [] });
  } catch (e) {
    if (!(e instanceof EnvironmentError)) throw e;
    return e.problems.map((p) => `${p.line}:${p.col}: ${p.path ? `${p.path}: ` : ''}${p.message}`);
  }
  throw new Error('expected the environment to be rejected');
}

describe('clusters as data', () => {
  it('gives an environment written with `cluster:` one default cluster named after it, no new keys', async () => {
    const root = await repo(`${head}cluster: { context: kosmos-production }\n${releases}`);
    const env = loadEnvironment(root, 'production', { standIns: [] });
    expect(env.clusters).toBeUndefined();
    expect(clustersOf(env)).toEqual([
      { name: 'production', labels: {}, default: true, cluster: { local: false, context: 'kosmos-production' } },
    ]);
    expect(env.argocd).toBeUndefined();
  });

  it('reads several clusters with labels and how to reach each; the first is the default unless one says so', async () => {
    const root = await repo(
      `${head}clusters:
  - name: site-a
    labels: { region: eu-west }
    context: site-a
    kubeconfig: kube/site-a.yaml
  - name: site-b
    context: site-b
    default: true
argocd:
  controlPlane: { context: hub, kubeconfig: kube/hub.yaml }
  prune: true
  selfHeal: true
${releases}`,
    );
    const env = loadEnvironment(root, 'production', { standIns: [] });
    expect(clustersOf(env)).toEqual([
      {
        name: 'site-a',
        labels: { region: 'eu-west' },
        default: false,
        cluster: {
          local: false,
          context: 'site-a',
          kubeconfig: join(root, 'environments/production/kube/site-a.yaml'),
        },
      },
      { name: 'site-b', labels: {}, default: true, cluster: { local: false, context: 'site-b' } },
    ]);
    expect(env.cluster).toEqual({ local: false, context: 'site-b' });
    expect(env.argocd).toEqual({
      namespace: 'argocd',
      project: 'default',
      controlPlane: { local: false, context: 'hub', kubeconfig: join(root, 'environments/production/kube/hub.yaml') },
      prune: true,
      selfHeal: true,
    });
    // A stand-in replaces the default cluster only.
    const standIn = asStandIn(env, '/state');
    expect(clustersOf(standIn).map((c) => c.cluster)).toEqual([
      clustersOf(env)[0]?.cluster,
      { local: true, stateDir: '/state/production' },
    ]);
  });

  it('reports each mistake in clusters at its place', async () => {
    expect(
      await problems(`${head}clusters:
  - name: site-a
    context: a
    default: true
  - name: site-a
    local: true
    context: b
    default: true
  - name: Site_C
argocd: { controlPlane: { context: hub } }
${releases}`),
    ).toEqual([
      '12:11: clusters[2].name: expected a cluster name (the Argo CD cluster name): lowercase letters, digits and \'-\', got "Site_C"',
    ]);
    expect(
      await problems(`${head}clusters:
  - name: site-a
    context: a
    default: true
  - name: site-a
    local: true
    context: b
    default: true
  - name: site-c
argocd: { controlPlane: { context: hub } }
${releases}`),
    ).toEqual([
      '8:11: clusters[1].name: duplicate cluster name "site-a" (also clusters[0])',
      '8:5: clusters[1]: expected either "local: true" or "context: NAME" (with "kubeconfig: PATH" if not the default one)',
      '12:5: clusters[2]: expected either "local: true" or "context: NAME" (with "kubeconfig: PATH" if not the default one)',
      '11:14: clusters[1].default: only one cluster can be the default (also clusters[0])',
    ]);
  });

  it('wants exactly one of cluster and clusters', async () => {
    expect(await problems(`${head}${releases}`)).toEqual([
      '1:1: missing required key "cluster" (or "clusters": a list of {name, labels, context, kubeconfig})',
    ]);
    const both = await problems(`${head}cluster: { local: true }\nclusters: [{ name: a, local: true }]\n${releases}`);
    expect(both).toEqual(['5:1: clusters: give either "cluster" (one cluster) or "clusters", not both']);
  });
});
