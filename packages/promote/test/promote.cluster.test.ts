import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pushTestImages } from '@kosmos/testkit';
import { localCluster } from '@kosmos/testkit/vitest';
import { ensure } from '@kosmos/toolchain';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { fixtureKit, gates, hashes, must, promote, rand, refused } from './fixture-repo.ts';

const cluster = localCluster();
const ns = { dev: `pd-${rand()}`, staging: `ps-${rand()}`, production: `pp-${rand()}` };
const { fixtureRoot, helm, publish, install, cleanup } = fixtureKit(cluster, ns);
let crane: string;

let base: string;
beforeAll(async () => {
  crane = await ensure('crane');
  await pushTestImages({
    registry: cluster.registry,
    crane,
    images: ['v1', 'v2'].map((tag) => ({ repository: 'kosmos-test/promo-app', tag })),
  });
  await publish('0.1.0');
  await publish('0.2.0');
  base = fixtureRoot();
  await Promise.all([install(base, 'dev'), install(base, 'staging'), install(base, 'production')]);
});

afterAll(cleanup);

describe('promote: each gate refuses on its own, and nothing is written', () => {
  async function refusesOnly(gate: string, root: string, args: string[], vars: Record<string, string> = {}) {
    const before = hashes(root);
    const r = await promote(root, args, vars);
    expect(r.stderr, r.stdout).toContain(`gate ${gate} (`);
    expect(r.code, r.stderr).toBe(3);
    expect(refused(r)).toEqual([gate]);
    expect(r.stderr).toContain('nothing written');
    expect(hashes(root)).toEqual(before);
    return r;
  }

  it('promotes-from: dev cannot skip staging (even with the plan approved)', async () => {
    const root = fixtureRoot();
    const digest = JSON.parse((await promote(root, ['--from', 'dev', '--to', 'production', '--json'])).stdout).digest;
    const r = await refusesOnly('promotes-from', root, ['--from', 'dev', '--to', 'production', '--approve', digest]);
    expect(r.stderr).toContain('production promotes from staging, not dev');
  });

  it('registry: an image tag the registry does not have', async () => {
    const root = fixtureRoot();
    const f = join(root, 'environments/dev/values/app.yaml');
    writeFileSync(f, readFileSync(f, 'utf8').replace('tag: v2', 'tag: v404'));
    const r = await refusesOnly('registry', root, ['--from', 'dev', '--to', 'staging']);
    expect(r.stderr).toContain(`image ${cluster.registry}/kosmos-test/promo-app:v404 not found`);
    expect(gates(r).lint).toBe('skip');
  });

  it('source-healthy: dev does not run the tree version', async () => {
    await publish('0.2.1');
    const root = fixtureRoot();
    // A version bump as changesets and version-charts make it: package.json and Chart.yaml.
    const f = join(root, 'charts/promo-app/Chart.yaml');
    writeFileSync(f, readFileSync(f, 'utf8').replace('version: 0.2.0', 'version: 0.2.1'));
    const pkg = join(root, 'charts/promo-app/package.json');
    writeFileSync(pkg, readFileSync(pkg, 'utf8').replace('"version": "0.2.0"', '"version": "0.2.1"'));
    const r = await refusesOnly('source-healthy', root, ['--from', 'dev', '--to', 'staging']);
    expect(r.stderr).toContain('dev: app runs 0.2.0, pinned 0.2.1');
  });

  it('no-drift: staging differs from its own files; --allow-drift passes with a warning', async () => {
    const root = fixtureRoot();
    const f = join(root, 'environments/staging/values/app.yaml');
    writeFileSync(f, readFileSync(f, 'utf8').replace('hello from staging', 'edited by hand'));
    const r = await refusesOnly('no-drift', root, ['--from', 'dev', '--to', 'staging']);
    expect(r.stderr).toContain('staging has drifted from its files: app (0 added, 1 changed, 0 deleted)');
    const allowed = await promote(root, ['--from', 'dev', '--to', 'staging', '--allow-drift']);
    expect(allowed.code, allowed.stderr).toBe(0);
    expect(allowed.stderr).toContain('warning: gate no-drift');
  });

  it('lint: the new pins break a rule in the target (a values key the new chart version no longer knows)', async () => {
    // 0.1.0 as published accepted `legacy`; the tree's 0.2.0 schema does not.
    await publish('0.1.0-legacy', (dir) => {
      const s = join(dir, 'values.schema.json');
      const schema = JSON.parse(readFileSync(s, 'utf8'));
      schema.properties.legacy = { type: 'boolean' };
      writeFileSync(s, JSON.stringify(schema));
    });
    const root = fixtureRoot({ namespaces: { staging: `psl-${rand()}` } });
    const env = join(root, 'environments/staging/environment.yaml');
    writeFileSync(env, readFileSync(env, 'utf8').replace('version: 0.1.0', 'version: 0.1.0-legacy'));
    const values = join(root, 'environments/staging/values/app.yaml');
    writeFileSync(values, `${readFileSync(values, 'utf8')}legacy: true\n`);
    await install(root, 'staging', parse(readFileSync(env, 'utf8')).releases[0].namespace);
    const r = await refusesOnly('lint', root, ['--from', 'dev', '--to', 'staging']);
    expect(r.stderr).toContain("additional properties 'legacy' not allowed");
  });

  it('approval: production requires it; KOSMOS_APPROVE=1 (not a digest) does not approve', async () => {
    const r = await refusesOnly('approval', fixtureRoot(), ['--from', 'staging', '--to', 'production']);
    expect(r.stderr).toMatch(/production requires approval of this plan: pass --approve sha256:[0-9a-f]{64}/);
    const one = await refusesOnly('approval', fixtureRoot(), ['--from', 'staging', '--to', 'production'], {
      KOSMOS_APPROVE: '1',
    });
    expect(one.stderr).toContain('KOSMOS_APPROVE is "1", not a plan digest');
  });
});

describe('promote: writing', () => {
  it('dev -> staging rewrites only the pinned scalars, with the digests the registry has', async () => {
    const root = fixtureRoot();
    const files = ['environments/staging/environment.yaml', 'environments/staging/values/app.yaml'];
    const before = files.map((f) => readFileSync(join(root, f), 'utf8'));
    const r = await promote(root, ['--from', 'dev', '--to', 'staging']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/app +chart promo-app +0\.1\.0 +0\.2\.0/);
    const digest = (await must(crane, ['digest', '--insecure', `${cluster.registry}/kosmos-test/promo-app:v2`])).trim();
    expect(digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    const after = files.map((f) => readFileSync(join(root, f), 'utf8'));
    const changed = (a: string, b: string) => {
      const x = a.split('\n');
      const y = b.split('\n');
      expect(y.length).toBe(x.length);
      return x.flatMap((l, i) => (l === y[i] ? [] : [[l, y[i]]]));
    };
    expect(changed(before[0] as string, after[0] as string)).toEqual([
      ['    version: 0.1.0 # the fixture chart', '    version: 0.2.0 # the fixture chart'],
    ]);
    expect(changed(before[1] as string, after[1] as string)).toEqual([
      ['  tag: "v1"', '  tag: "v2"'],
      ['  digest: ""', `  digest: "${digest}"`],
    ]);
    // The whole plan in JSON names the same digest.
    const again = await promote(root, ['--from', 'dev', '--to', 'staging', '--json']);
    expect(again.code, again.stderr).toBe(3); // staging's files now differ from its cluster: drift
    expect(JSON.parse(again.stdout).gates.find((g: { id: string }) => g.id === 'no-drift').result).toBe('refuse');
  });

  it('two promotions at once: exactly one wins, the other changes nothing', async () => {
    const root = fixtureRoot();
    const [a, b] = await Promise.all([
      promote(root, ['--from', 'dev', '--to', 'staging']),
      promote(root, ['--from', 'dev', '--to', 'staging']),
    ]);
    expect([a.code, b.code].sort()).toEqual([0, 3]);
    const loser = a.code === 3 ? a : b;
    expect(loser.stderr).toMatch(/another promotion holds|changed since the plan was made/);
    expect(readFileSync(join(root, 'environments/staging/environment.yaml'), 'utf8')).toContain('version: 0.2.0');
    expect(readdirSync(join(root, 'environments/staging/values'))).toEqual(['app.yaml']);
  });
});
describe('promote --apply', () => {
  it('leaves the target running the new pins, Ready', async () => {
    const staging = `psa-${rand()}`;
    const root = fixtureRoot({ namespaces: { staging } });
    await install(root, 'staging', staging);
    const t0 = performance.now();
    const r = await promote(root, ['--from', 'dev', '--to', 'staging', '--apply']);
    const seconds = (performance.now() - t0) / 1000;
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('staging runs the new pins, Ready');
    const releases = JSON.parse(await helm(['list', '--namespace', staging, '--output', 'json'])) as {
      name: string;
      chart: string;
      status: string;
    }[];
    expect(releases.map((x) => [x.name, x.chart, x.status])).toEqual([['app', 'promo-app-0.2.0', 'deployed']]);
    const digest = (await must(crane, ['digest', '--insecure', `${cluster.registry}/kosmos-test/promo-app:v2`])).trim();
    const image = await must(cluster.kubectl, [
      '--kubeconfig',
      cluster.kubeconfig,
      'get',
      'deployment',
      'app',
      '--namespace',
      staging,
      '--output',
      'jsonpath={.spec.template.spec.containers[0].image}',
    ]);
    expect(image).toBe(`${cluster.registry}/kosmos-test/promo-app@${digest}`);
    process.stderr.write(`[promote test] promotion with --apply took ${seconds.toFixed(1)}s\n`);
  });
});
