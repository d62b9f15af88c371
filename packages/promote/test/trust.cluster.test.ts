import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pushTestImages } from '@kosmos/testkit';
import { localCluster } from '@kosmos/testkit/vitest';
import { ensure } from '@kosmos/toolchain';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  edit,
  fixtureKit,
  hashes,
  must,
  promote,
  type Run,
  rand,
  refused,
  setPin,
  setTreeVersion,
  verb,
} from './fixture-repo.ts';

// Plans approved by digest, the audit trail and rollback (issue 14), on the real cluster and
// registry. Chart versions and the image repository carry this file's own suffix: other test
// files push promo-app and kosmos-test/promo-app to the same registry at the same time, and a
// plan must see only what its test changes.
const cluster = localCluster();
const R = rand();
const ns = { dev: `td-${R}`, staging: `ts-${R}`, production: `tp-${R}` };
const { fixtureRoot, helm, kubectl, publish, install, cleanup } = fixtureKit(cluster, ns);
const V1 = `0.1.0-t${R}`;
const V2 = `0.2.0-t${R}`;
const V3 = `0.3.0-t${R}`;
const IMAGE = 'kosmos-test/promo-trust';
let crane: string;
const digests: Record<string, string> = {};

/** The fixture repository with this file's chart versions (dev: tree V2; staging, production: V1) and image. */
function trustRoot(o: Parameters<typeof fixtureRoot>[0] = {}): string {
  const root = fixtureRoot(o);
  setTreeVersion(root, V2);
  setPin(root, 'staging', V1);
  setPin(root, 'production', V1);
  for (const env of ['dev', 'staging', 'production'])
    edit(root, `environments/${env}/values/app.yaml`, 'kosmos-test/promo-app', IMAGE);
  return root;
}

const audit = (root: string, env = 'staging') => join(root, 'environments', env, 'promotions.jsonl');
const readPlan = (file: string) => JSON.parse(readFileSync(file, 'utf8'));
const deployed = async (namespace: string) =>
  (JSON.parse(await helm(['list', '--namespace', namespace, '--output', 'json'])) as { chart: string }[]).map(
    (x) => x.chart,
  );
const imageOf = (namespace: string) =>
  kubectl([
    'get',
    'deployment',
    'app',
    '--namespace',
    namespace,
    '--output',
    'jsonpath={.spec.template.spec.containers[0].image}',
  ]);
const ok = (r: Run) => expect(r.code, `${r.stderr}\n${r.stdout}`).toBe(0);

let base: string;
beforeAll(async () => {
  crane = await ensure('crane');
  const pushed = await pushTestImages({
    registry: cluster.registry,
    crane,
    images: ['v1', 'v2', 'v3'].map((tag) => ({ repository: IMAGE, tag })),
  });
  for (const p of pushed) digests[p.ref.slice(p.ref.lastIndexOf(':') + 1)] = p.digest;
  await Promise.all([publish(V1), publish(V2), publish(V3)]);
  base = trustRoot();
  await Promise.all([install(base, 'dev'), install(base, 'staging'), install(base, 'production')]);
});

afterAll(cleanup);

describe('a plan approved by its digest, applied, recorded, rolled back', () => {
  const staging = `tas-${R}`;
  const dev = `tad-${R}`;
  let root: string;
  let first: { digest: string };

  it('a plan applied unchanged applies; the record carries its digest and history --json returns it', async () => {
    root = trustRoot({ namespaces: { dev, staging } });
    await Promise.all([install(root, 'dev'), install(root, 'staging')]);
    const planFile = join(root, 'plan.json');
    const before = hashes(root);
    const out = await promote(root, ['--from', 'dev', '--to', 'staging', '--plan-out', planFile]);
    ok(out);
    const plan = readPlan(planFile);
    expect(out.stdout).toContain(`plan ${plan.digest}`);
    expect(out.stderr).toContain(`wrote plan ${plan.digest} to ${planFile}`);
    expect(hashes(root)).toEqual(before);
    expect(existsSync(audit(root))).toBe(false);
    expect(plan).toMatchObject({ kind: 'kosmos.promotion-plan/v1', source: 'dev', target: 'staging' });
    expect(plan.changes.map((c: { what: string; from: string; to: string }) => [c.what, c.from, c.to])).toEqual([
      ['chart promo-app', V1, V2],
      ['image image.tag', 'v1', 'v2'],
      ['image image.digest', '', digests.v2],
    ]);
    expect(plan.charts).toEqual([
      {
        ref: `oci://${cluster.registry}/charts/promo-app:${V2}`,
        digest: expect.stringMatching(/^sha256:[0-9a-f]{64}$/),
      },
    ]);
    expect(plan.images).toEqual([{ ref: `${cluster.registry}/${IMAGE}:v2`, digest: digests.v2 }]);
    const deployment = plan.live.objects.find((o: { id: string }) => o.id === `apps/v1/Deployment/${staging}/app`);
    expect(deployment?.change).toBe('changed');
    expect(deployment?.diff).toContain(`+          image: ${cluster.registry}/${IMAGE}@${digests.v2}`);
    expect(plan.files).toHaveProperty(['environments/staging/values/app.yaml']);
    expect(plan.sourceFiles).toHaveProperty(['environments/dev/values/app.yaml']);
    process.stderr.write(`[trust test] plan file:\n${readFileSync(planFile, 'utf8')}\n`);

    const applied = await promote(root, ['--plan', planFile, '--apply']);
    ok(applied);
    expect(applied.stderr).toContain(`carrying out plan ${plan.digest}`);
    expect(applied.stderr).toContain("recorded as staging's promotion #1");
    expect(await deployed(staging)).toEqual([`promo-app-${V2}`]);
    expect(await imageOf(staging)).toBe(`${cluster.registry}/${IMAGE}@${digests.v2}`);

    const lines = readFileSync(audit(root), 'utf8').split('\n').filter(Boolean);
    expect(lines).toHaveLength(1);
    const record = JSON.parse(lines[0] as string);
    expect(record).toMatchObject({
      kind: 'kosmos.promotion/v1',
      source: 'dev',
      target: 'staging',
      plan: plan.digest,
      outcome: 'applied',
      pins: {
        charts: [{ release: 'app', chart: 'promo-app', version: V2 }],
        images: [{ release: 'app', key: 'image', tag: 'v2', digest: digests.v2 }],
      },
    });
    expect(record.actor).not.toBe('');
    expect(record.gates.map((g: { id: string; result: string }) => [g.id, g.result])).toEqual([
      ['promotes-from', 'pass'],
      ['registry', 'pass'],
      ['source-healthy', 'pass'],
      ['no-drift', 'pass'],
      ['lint', 'pass'],
      ['approval', 'skip'],
    ]);
    process.stderr.write(`[trust test] audit record:\n${lines[0]}\n`);

    const history = await verb('history', root, ['--env', 'staging', '--json']);
    ok(history);
    const listed = JSON.parse(history.stdout);
    expect(listed.promotions).toHaveLength(1);
    expect(listed.promotions[0]).toMatchObject({ n: 1, plan: plan.digest, outcome: 'applied' });
    const table = await verb('history', root, ['--env', 'staging']);
    ok(table);
    expect(table.stdout).toContain(plan.digest.slice(0, 19));
    first = plan;
  });

  it('rollback after two promotions restores the first one’s pins; live versions follow; the rollback is in the history', async () => {
    expect(first).toBeDefined();
    // A second promotion: dev moves on to V3 and image v3.
    setTreeVersion(root, V3);
    edit(root, 'environments/dev/values/app.yaml', 'tag: v2', 'tag: v3');
    await install(root, 'dev');
    const afterFirst = readFileSync(audit(root), 'utf8');
    ok(await promote(root, ['--from', 'dev', '--to', 'staging', '--apply']));
    expect(await deployed(staging)).toEqual([`promo-app-${V3}`]);
    const afterSecond = readFileSync(audit(root), 'utf8');
    expect(afterSecond.startsWith(afterFirst)).toBe(true);
    expect(afterSecond.split('\n').filter(Boolean)).toHaveLength(2);

    const rbFile = join(root, 'rollback.json');
    const planned = await promote(root, ['--rollback', '--env', 'staging', '--plan-out', rbFile]);
    ok(planned);
    const rb = readPlan(rbFile);
    expect(rb.rollback).toMatchObject({ record: 1, plan: first.digest });
    expect(rb.changes.map((c: { what: string; from: string; to: string }) => [c.what, c.from, c.to])).toEqual([
      ['chart promo-app', V3, V2],
      ['image image.tag', 'v3', 'v2'],
      ['image image.digest', digests.v3, digests.v2],
    ]);
    expect(planned.stdout).toContain('rollback staging to its promotion #1');
    expect(readFileSync(audit(root), 'utf8')).toBe(afterSecond);

    ok(await promote(root, ['--plan', rbFile, '--apply']));
    expect(await deployed(staging)).toEqual([`promo-app-${V2}`]);
    expect(await imageOf(staging)).toBe(`${cluster.registry}/${IMAGE}@${digests.v2}`);
    expect(readFileSync(join(root, 'environments/staging/environment.yaml'), 'utf8')).toContain(
      `version: ${V2} # the fixture chart`,
    );
    const afterRollback = readFileSync(audit(root), 'utf8');
    expect(afterRollback.startsWith(afterSecond)).toBe(true);

    const listed = JSON.parse((await verb('history', root, ['--env', 'staging', '--json'])).stdout);
    expect(listed.promotions.map((p: { n: number; source: string }) => [p.n, p.source])).toEqual([
      [1, 'dev'],
      [2, 'dev'],
      [3, 'rollback'],
    ]);
    expect(listed.promotions[2]).toMatchObject({ rollbackTo: 1, plan: rb.digest, outcome: 'applied' });
    expect(listed.promotions[2].pins).toEqual(listed.promotions[0].pins);

    // pnpm status: the versions side by side, who is behind whom, each environment's last promotion.
    const status = await verb('status', root, ['--json']);
    expect(status.code, status.stderr).toBe(0);
    const view = JSON.parse(status.stdout).promotions;
    expect(view.environments).toEqual(['dev', 'staging', 'production']);
    expect(view.releases).toEqual([
      {
        release: 'app',
        versions: {
          dev: { pinned: `tree (${V3})`, deployed: V3 },
          staging: { pinned: V2, deployed: V2 },
          production: { pinned: V1, deployed: V1 },
        },
        behind: [
          { env: 'staging', behind: 'dev', has: V2, sourceHas: V3 },
          { env: 'production', behind: 'staging', has: V1, sourceHas: V2 },
        ],
      },
    ]);
    expect(view.last.staging).toMatchObject({ n: 3, source: 'rollback', rollbackTo: 1, plan: rb.digest });
    expect(view.last.production).toBeNull();
    const text = await verb('status', root, []);
    expect(text.stdout).toMatch(
      new RegExp(`app +tree \\(${V3.replaceAll('.', '\\.')}\\) +${V2.replaceAll('.', '\\.')} +`),
    );
    expect(text.stdout).toContain(`staging behind dev (${V2} < ${V3})`);
    expect(text.stdout).toMatch(/ {2}staging: #3 \S+ by .*, rollback to #1, plan sha256:/);
  });
});

describe('a plan is refused when what it was made from changed, naming it; nothing is written', () => {
  async function refusedApply(root: string, planFile: string, args: string[] = [], vars: Record<string, string> = {}) {
    const before = hashes(root);
    const r = await promote(root, ['--plan', planFile, '--apply', ...args], vars);
    expect(r.code, r.stderr).toBe(3);
    expect(r.stderr).toContain('nothing written');
    expect(hashes(root)).toEqual(before);
    expect(existsSync(audit(root))).toBe(false);
    expect(existsSync(audit(root, 'production'))).toBe(false);
    return r;
  }
  async function planOut(root: string, args: string[], file = join(root, 'plan.json')) {
    const r = await promote(root, [...args, '--plan-out', file]);
    ok(r);
    return { file, digest: readPlan(file).digest as string };
  }

  it('after a live edit of a Deployment in the target: names the object', async () => {
    const staging = `tls-${R}`;
    const root = trustRoot({ namespaces: { staging } });
    await install(root, 'staging');
    const { file } = await planOut(root, ['--from', 'dev', '--to', 'staging']);
    await kubectl(['scale', 'deployment', 'app', '--replicas=2', '--namespace', staging]);
    const r = await refusedApply(root, file);
    expect(r.stderr).toContain(
      `object apps/v1/Deployment/${staging}/app: the plan would have it changed, now changed with another diff`,
    );
    expect(await deployed(staging)).toEqual([`promo-app-${V1}`]);
  });

  it('after a values-file change: names the file', async () => {
    const root = trustRoot();
    const { file } = await planOut(root, ['--from', 'dev', '--to', 'staging']);
    edit(root, 'environments/staging/values/app.yaml', 'hello from staging', 'hello, edited after approval');
    const r = await refusedApply(root, file);
    expect(r.stderr).toContain('file environments/staging/values/app.yaml changed since the plan was made');
  });

  it('after an image tag moved to another digest: names the image', async () => {
    const tag = `moving-${R}`;
    const ref = `${cluster.registry}/${IMAGE}:${tag}`;
    await must(crane, ['copy', '--insecure', `${cluster.registry}/${IMAGE}:v2`, ref]);
    const root = trustRoot();
    edit(root, 'environments/dev/values/app.yaml', 'tag: v2', `tag: ${tag}`);
    const { file } = await planOut(root, ['--from', 'dev', '--to', 'staging']);
    await must(crane, ['copy', '--insecure', `${cluster.registry}/${IMAGE}:v3`, ref]);
    const r = await refusedApply(root, file);
    expect(r.stderr).toContain(`image ${ref} now names ${digests.v3}, the plan ${digests.v2}`);
  });

  it('production: an approval naming another plan is refused; after other content is pushed under the same chart version, refused naming the chart', async () => {
    const VC = `0.2.0-c${R}`;
    await publish(VC);
    const names = { staging: `tcs-${R}`, production: `tcp-${R}` };
    const root = trustRoot({ namespaces: names });
    setPin(root, 'staging', VC);
    await Promise.all([install(root, 'staging'), install(root, 'production')]);
    const p1 = await planOut(root, ['--from', 'staging', '--to', 'production']);
    const pending = await promote(root, ['--from', 'staging', '--to', 'production']);
    expect(pending.code).toBe(3);
    expect(refused(pending)).toEqual(['approval']);
    expect(pending.stderr).toContain(`pass --approve ${p1.digest}`);

    // Another plan: production's values edited (its digest differs), then the edit undone.
    const values = join(root, 'environments/production/values/app.yaml');
    const original = readFileSync(values, 'utf8');
    writeFileSync(values, original.replace('hello from production', 'another plan'));
    const p2file = join(root, 'other.json');
    await promote(root, ['--from', 'staging', '--to', 'production', '--plan-out', p2file]);
    const p2 = readPlan(p2file).digest as string;
    expect(p2).not.toBe(p1.digest);
    writeFileSync(values, original);

    const other = await refusedApply(root, p1.file, ['--approve', p2]);
    expect(other.stderr).toContain(
      `gate approval (approved, where the target requires it) refused: --approve names plan ${p2}, not this plan ${p1.digest}`,
    );
    const ci = await refusedApply(root, p1.file, [], { KOSMOS_APPROVE: p2 });
    expect(ci.stderr).toContain(`KOSMOS_APPROVE names plan ${p2}, not this plan ${p1.digest}`);

    await publish(VC, (dir) => writeFileSync(join(dir, 'README.md'), 'pushed behind the tool’s back\n'));
    const moved = await refusedApply(root, p1.file, ['--approve', p1.digest]);
    expect(moved.stderr).toMatch(
      new RegExp(
        `chart oci://${cluster.registry}/charts/promo-app:${VC} now names sha256:[0-9a-f]{64}, the plan sha256:`,
      ),
    );
    expect(await deployed(names.production)).toEqual([`promo-app-${V1}`]);
  });
});
