import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EnvironmentError, listEnvironments, loadAll, loadEnvironment, waves } from '../src/index.ts';

/** A throwaway repository with charts/a, charts/b and the given environment files. */
async function repo(envs: Record<string, string>, values: string[] = ['values/a.yaml']): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'kosmos-env-'));
  for (const c of ['a', 'b']) {
    await mkdir(join(root, 'charts', c), { recursive: true });
    await writeFile(join(root, 'charts', c, 'Chart.yaml'), `apiVersion: v2\nname: ${c}\nversion: 0.1.0\n`);
  }
  for (const [name, text] of Object.entries(envs)) {
    const dir = join(root, 'environments', name);
    await mkdir(join(dir, 'values'), { recursive: true });
    await writeFile(join(dir, 'environment.yaml'), text);
    for (const v of values) await writeFile(join(dir, v), 'replicas: 1\n');
  }
  return root;
}

const DEV = `name: dev
kubernetesVersion: 1.36.3
cluster: { local: true }
registry: local
releases:
  - name: a
    namespace: ns-a
    chart: a
    version: tree
    values: [values/a.yaml]
  - name: b
    namespace: ns-b
    chart: b
    version: tree
    needs: [a]
`;

/** Loads and returns the problems as `file-relative line:col: path: message` lines. */
async function problems(text: string, name = 'dev', extra: Record<string, string> = {}): Promise<string[]> {
  const root = await repo({ [name]: text, ...extra });
  try {
    loadEnvironment(root, name);
  } catch (e) {
    if (!(e instanceof EnvironmentError)) throw e;
    return e.problems.map((p) => `${p.line}:${p.col}: ${p.path ? `${p.path}: ` : ''}${p.message}`);
  }
  throw new Error('expected the environment to be rejected');
}

describe('loadEnvironment', () => {
  it('types a valid environment: cluster, registry, releases with absolute values paths and needs', async () => {
    const root = await repo({ dev: DEV });
    const env = loadEnvironment(root, 'dev');
    expect(env).toMatchObject({
      name: 'dev',
      kubernetesVersion: 'v1.36.3',
      cluster: { local: true },
      registry: { local: true },
      gates: { approval: false, sourceHealthy: false, noDrift: false },
    });
    expect(env.releases.map((r) => [r.name, r.chart.kind, r.version])).toEqual([
      ['a', 'repo', 'tree'],
      ['b', 'repo', 'tree'],
    ]);
    expect(env.releases[0]?.values).toEqual([resolve(root, 'environments/dev/values/a.yaml')]);
    expect(env.releases[1]?.at.line).toBe(11);
    expect(waves(env.releases).map((w) => w.map((r) => r.name))).toEqual([['a'], ['b']]);
  });

  it('names the known environments when asked for one that does not exist', async () => {
    const root = await repo({ dev: DEV });
    expect(() => loadEnvironment(root, 'prod')).toThrow(/unknown environment "prod" \(known: dev\)/);
    expect(listEnvironments(root)).toEqual(['dev']);
  });

  it('reports malformed YAML with its line', async () => {
    expect(await problems('name: dev\nreleases: [a, b\n')).toEqual([expect.stringMatching(/^3:1: invalid YAML: /)]);
  });

  it('reports tab indentation with its line', async () => {
    const lines = await problems('name: dev\ncluster:\n\tlocal: true\n');
    expect(lines[0]).toMatch(/^3:1: invalid YAML: .*[Tt]ab/);
  });

  it('reports an unknown key where the key is written, with the keys that are allowed', async () => {
    const lines = await problems(DEV.replace('registry: local', 'registry: local\nregistyr: oops'));
    expect(lines).toEqual([
      expect.stringMatching(/^5:1: registyr: unknown key "registyr" \(expected one of: name, .*registry/),
    ]);
  });

  it('reports a wrong type and a bad version at the value, saying what was expected', async () => {
    const lines = await problems(
      DEV.replace('namespace: ns-a', 'namespace: 42').replace(
        'version: tree\n    values',
        'version: "1.2"\n    values',
      ),
    );
    expect(lines).toEqual([
      '7:16: releases[0].namespace: expected string (a Kubernetes namespace name), got 42',
      '9:14: releases[0].version: expected a pinned chart version like "1.4.2", or "tree" to follow the chart in this repository, got "1.2"',
    ]);
  });

  it('reports a missing required key at the object that lacks it', async () => {
    expect(await problems(DEV.replace('    namespace: ns-b\n', ''))).toEqual([
      '11:5: releases[1]: missing required key "namespace"',
    ]);
  });

  it('reports duplicate names, unknown charts, missing values files and unknown needs together', async () => {
    const text = DEV.replace('name: b\n', 'name: a\n')
      .replace('chart: b', 'chart: nope')
      .replace('needs: [a]', 'needs: [zz]')
      .replace('values: [values/a.yaml]', 'values: [values/missing.yaml]');
    expect(await problems(text)).toEqual([
      '10:14: releases[0].values[0]: values file not found: environments/dev/values/missing.yaml',
      '11:11: releases[1].name: duplicate release name "a" (also releases[0])',
      '13:12: releases[1].chart: no chart "nope" in charts/ (expected charts/nope/Chart.yaml)',
      '15:13: releases[1].needs[0]: needs "zz", which is not a release of this environment',
    ]);
  });

  it('reports a needs cycle with the path around it', async () => {
    const text = DEV.replace('values: [values/a.yaml]', 'values: [values/a.yaml]\n    needs: [b]');
    expect(await problems(text)).toEqual([
      expect.stringMatching(/releases\[0\]\.needs: needs form a cycle: a -> b -> a$/),
    ]);
  });

  it('refuses "tree" in an environment that is promoted into', async () => {
    const staging = DEV.replace('name: dev', 'name: staging\npromotesFrom: dev')
      .replace('cluster: { local: true }', 'cluster: { context: kosmos-staging }')
      .replace('registry: local', 'registry: oci://registry.example.com/charts');
    const lines = await problems(staging, 'staging');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(
      /releases\[0\]\.version: "tree" is only allowed where nothing is promoted in; staging promotes from dev/,
    );
  });

  it('checks that promotesFrom names an environment', async () => {
    const staging = DEV.replace('name: dev', 'name: staging\npromotesFrom: qa').replaceAll(
      'version: tree',
      'version: 0.1.0',
    );
    const root = await repo({ dev: DEV, staging });
    expect(() => loadAll(root)).toThrow(/promotesFrom: no environment "qa" \(known: dev, staging\)/);
  });
});

describe("the repository's own environments", () => {
  it('all load, and staging and production pin released versions', () => {
    const root = resolve(import.meta.dirname, '../../..');
    const envs = loadAll(root);
    expect(envs.map((e) => e.name)).toEqual(['dev', 'production', 'staging']);
    for (const e of envs.filter((x) => x.name !== 'dev')) {
      expect(e.releases.every((r) => r.version !== 'tree')).toBe(true);
    }
    expect(envs.find((e) => e.name === 'production')?.promotesFrom).toBe('staging');
  });
});
