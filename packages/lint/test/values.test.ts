import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { type Environment, findRepoRoot } from '@kosmos/environment';
import { describe, expect, it } from 'vitest';
import { checkValues } from '../src/index.ts';

const root = findRepoRoot();

function envWith(valuesText: string): { env: Environment; file: string } {
  const dir = mkdtempSync(join(tmpdir(), 'kosmos-lint-values-'));
  const file = join(dir, 'core-agents.yaml');
  writeFileSync(file, valuesText);
  const env: Environment = {
    name: 'dev',
    file: join(root, 'environments/dev/environment.yaml'),
    dir,
    kubernetesVersion: 'v1.36.3',
    cluster: { local: true },
    registry: { local: true },
    gates: { approval: false, sourceHealthy: false, noDrift: false },
    releases: [
      {
        name: 'core-agents',
        namespace: 'kosmos-core',
        chart: { kind: 'repo', name: 'core-agents', dir: join(root, 'charts/core-agents') },
        version: 'tree',
        values: [file],
        needs: [],
        at: { file: 'environment.yaml', line: 1, col: 1 },
      },
    ],
  };
  return { env, file };
}

describe('values-schema', () => {
  it("reports a values file's violations of the chart schema at their file:line:col", () => {
    const { env, file } = envWith('# comment\nagentDefaults:\n  replicaCount: 1\n  bogus: 1\n');
    const found = checkValues(root, env);
    expect(found).toEqual([
      expect.objectContaining({
        ruleId: 'values-schema',
        severity: 'error',
        file: relative(root, file),
        line: 4,
        col: 3,
        env: 'dev',
        release: 'core-agents',
      }),
    ]);
    expect(found[0]?.message).toMatch(/agentDefaults\.bogus: unknown key "bogus"/);
  });

  it('reports a wrong type at the value, and YAML syntax errors', () => {
    const { env } = envWith('agentDefaults:\n  replicaCount: many\n');
    expect(checkValues(root, env)).toEqual([
      expect.objectContaining({ line: 2, col: 17, message: expect.stringMatching(/replicaCount/) }),
    ]);
    const { env: broken } = envWith('agentDefaults:\n\treplicaCount: 1\n');
    expect(checkValues(root, broken)[0]?.message).toMatch(/invalid YAML/);
  });

  it('passes the real values files of every environment', async () => {
    const { loadAll } = await import('@kosmos/environment');
    expect(loadAll(root).flatMap((e) => checkValues(root, e))).toEqual([]);
  });

  it("checks an upstream release's values against our schema for its pinned chart version", () => {
    const { env, file } = envWith(
      'providers:\n  kubernetesCRD:\n    allowCrossNamspace: true\nports:\n  websecure:\n    forwardedHeaders:\n      trustedIPs: [cloudflare]\n',
    );
    const upstream = (version: string): Environment => ({
      ...env,
      releases: [
        {
          name: 'traefik',
          namespace: 'kosmos-ingress',
          chart: { kind: 'upstream', name: 'traefik', repository: 'https://traefik.github.io/charts' },
          version,
          values: [file],
          needs: [],
          at: { file: 'environment.yaml', line: 7, col: 3 },
        },
      ],
    });
    const found = checkValues(root, upstream('37.0.0'));
    expect(found.map((f) => [f.file, f.line, f.message])).toEqual([
      [relative(root, file), 3, expect.stringMatching(/providers\.kubernetesCRD\.allowCrossNamspace: unknown key/)],
      [relative(root, file), 7, expect.stringMatching(/trustedIPs\[0\]: expected an IPv4 or IPv6 CIDR/)],
    ]);
    // A pin without a schema cannot be checked: lint says which file to write.
    expect(checkValues(root, upstream('99.0.0'))).toEqual([
      expect.objectContaining({
        line: 7,
        message: expect.stringContaining('packages/upstream/values-schemas/traefik-99.0.0.schema.json'),
      }),
    ]);
  });
});
