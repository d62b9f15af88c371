import { describe, expect, it } from 'vitest';
import { imagePins } from '../src/pins.ts';
import { assemblePromotionPlan, canonicalJson, lookups, planDifferences } from '../src/plan.ts';
import { parsePlanFile, planFileText, promotionRecord, rollbackSource } from '../src/planfile.ts';
import type { ChartPin, EnvironmentPins, ImagePin, PromotionInputs } from '../src/types.ts';

const D1 = `sha256:${'1'.repeat(64)}`;
const D2 = `sha256:${'2'.repeat(64)}`;

const chart = (env: string, i: number, release: string, version: string, raw = version): ChartPin => ({
  release,
  chart: release,
  kind: 'repo',
  version,
  raw,
  at: { file: `environments/${env}/environment.yaml`, path: ['releases', i, 'version'] },
});
const image = (env: string, release: string, tag: string, digest = ''): ImagePin => ({
  release,
  key: 'agents.zeus.image',
  registry: 'docker.io',
  repository: 'nuvanta/zeus',
  tag,
  digest,
  at: { file: `environments/${env}/values/${release}.yaml`, path: ['agents', 'zeus', 'image'] },
});

/** dev (tree 0.2.0) -> staging (0.1.0): every gate passes unless a test changes one input. */
function inputs(over: Partial<PromotionInputs> = {}): PromotionInputs {
  const source: EnvironmentPins = {
    name: 'dev',
    charts: [chart('dev', 0, 'core-agents', '0.2.0', 'tree')],
    images: [image('dev', 'core-agents', 'v2.1.0')],
    problems: [],
  };
  return {
    source,
    target: {
      name: 'staging',
      charts: [
        {
          ...chart('staging', 0, 'traefik', '37.0.0'),
          kind: 'upstream',
          chart: 'traefik',
          repository: 'https://traefik.github.io/charts',
        },
        chart('staging', 1, 'core-agents', '0.1.0'),
      ],
      images: [image('staging', 'core-agents', 'v2.0.0')],
      problems: [],
      promotesFrom: 'dev',
      gates: { approval: false, sourceHealthy: true, noDrift: true },
      registry: 'oci://127.0.0.1:5000/charts',
      imageMirrors: { '*': '127.0.0.1:5000' },
      skipped: ['traefik'],
      valuesFiles: { 'core-agents': ['environments/staging/values/core-agents.yaml'] },
      files: { 'environments/staging/environment.yaml': 'sha256:x' },
    },
    registry: {
      charts: [
        {
          chart: 'core-agents',
          version: '0.2.0',
          ref: 'oci://127.0.0.1:5000/charts/core-agents:0.2.0',
          exists: true,
          digest: D2,
        },
      ],
      images: [{ ref: 'docker.io/nuvanta/zeus:v2.1.0', askedAt: '127.0.0.1:5000', digest: D1 }],
    },
    sourceLive: {
      releases: [{ release: 'core-agents', deployed: '0.2.0', helmStatus: 'deployed', health: 'ready', unready: [] }],
    },
    targetDrift: { drift: false, releases: [{ release: 'core-agents', added: 0, changed: 0, deleted: 0 }] },
    lint: { errors: [], warnings: 2 },
    approval: {},
    allowDrift: false,
    ...over,
  };
}

const gate = (i: PromotionInputs, id: string) => assemblePromotionPlan(i).gates.find((g) => g.id === id);
const refusedGates = (i: PromotionInputs) =>
  assemblePromotionPlan(i)
    .gates.filter((g) => g.result === 'refuse')
    .map((g) => g.id);

describe('assemblePromotionPlan', () => {
  it('moves the tree version, the image tag and its digest into the target; every gate passes', () => {
    const plan = assemblePromotionPlan(inputs());
    expect(plan.refused).toBe(false);
    expect(plan.changes).toEqual([
      {
        kind: 'chart',
        release: 'core-agents',
        what: 'chart core-agents',
        from: '0.1.0',
        to: '0.2.0',
        at: { file: 'environments/staging/environment.yaml', path: ['releases', 1, 'version'] },
      },
      expect.objectContaining({ what: 'image agents.zeus.image.tag', from: 'v2.0.0', to: 'v2.1.0' }),
      expect.objectContaining({
        what: 'image agents.zeus.image.digest',
        from: '',
        to: D1,
        at: { file: 'environments/staging/values/core-agents.yaml', path: ['agents', 'zeus', 'image', 'digest'] },
      }),
    ]);
    expect(plan.gates.map((g) => [g.id, g.result])).toEqual([
      ['promotes-from', 'pass'],
      ['registry', 'pass'],
      ['source-healthy', 'pass'],
      ['no-drift', 'pass'],
      ['lint', 'pass'],
      ['approval', 'skip'],
    ]);
    expect(plan.untouched).toEqual([{ release: 'traefik', reason: expect.stringContaining('not on stand-ins') }]);
  });

  it('asks the registry through the target’s mirror, and only for promoted releases', () => {
    const l = lookups(inputs());
    expect(l.charts.map((c) => c.ref)).toEqual(['oci://127.0.0.1:5000/charts/core-agents:0.2.0']);
    expect(l.images.map((c) => [c.ref, c.askAt])).toEqual([['docker.io/nuvanta/zeus:v2.1.0', '127.0.0.1:5000']]);
  });

  it('carries a digest the source pinned, rather than what the tag names today', () => {
    const i = inputs();
    i.source.images = [image('staging', 'core-agents', 'v2.1.0', D2)];
    i.registry.images = [{ ref: `docker.io/nuvanta/zeus:v2.1.0@${D2}`, askedAt: 'docker.io', digest: D2 }];
    const plan = assemblePromotionPlan(i);
    expect(plan.changes.find((c) => c.what.endsWith('.digest'))?.to).toBe(D2);
  });

  it('refuses skipping an environment: gate promotes-from', () => {
    const i = inputs();
    i.target.promotesFrom = 'staging';
    expect(refusedGates(i)).toEqual(['promotes-from']);
    expect(gate(i, 'promotes-from')?.reason).toBe('staging promotes from staging, not dev');
  });

  it('refuses a chart version or image the registry does not have, and then does not lint', () => {
    const i = inputs();
    i.registry.charts[0] = { ...(i.registry.charts[0] as PromotionInputs['registry']['charts'][0]), exists: false };
    expect(refusedGates(i)).toEqual(['registry']);
    expect(gate(i, 'registry')?.reason).toContain('core-agents:0.2.0 not found (release it: pnpm release)');
    expect(gate(i, 'lint')?.result).toBe('skip');
    const j = inputs();
    j.registry.images = [{ ref: 'docker.io/nuvanta/zeus:v2.1.0', askedAt: '127.0.0.1:5000' }];
    expect(refusedGates(j)).toEqual(['registry']);
    expect(assemblePromotionPlan(j).changes.some((c) => c.what.endsWith('.digest'))).toBe(false);
  });

  it('refuses a source that does not run its pins, Ready: gate source-healthy', () => {
    const old = inputs({
      sourceLive: {
        releases: [{ release: 'core-agents', deployed: '0.1.0', helmStatus: 'deployed', health: 'ready', unready: [] }],
      },
    });
    expect(refusedGates(old)).toEqual(['source-healthy']);
    expect(gate(old, 'source-healthy')?.reason).toBe('dev: core-agents runs 0.1.0, pinned 0.2.0');
    const sick = inputs({
      sourceLive: {
        releases: [
          {
            release: 'core-agents',
            deployed: '0.2.0',
            helmStatus: 'deployed',
            health: 'not ready',
            unready: ['Deployment/zeus 0/1 available'],
          },
        ],
      },
    });
    expect(gate(sick, 'source-healthy')?.reason).toContain('not ready: Deployment/zeus 0/1 available');
    const noController = inputs({
      sourceLive: {
        releases: [
          {
            release: 'core-agents',
            deployed: '0.2.0',
            helmStatus: 'deployed',
            health: 'not ready',
            unready: ['Rollout/zeus Unknown'],
          },
        ],
      },
    });
    expect(gate(noController, 'source-healthy')).toEqual({
      id: 'source-healthy',
      result: 'pass',
      reason: 'dev runs the 1 pinned release, Ready; not checked (no controller reports on them): Rollout/zeus Unknown',
    });
    const gone = inputs({ sourceLive: { error: 'cannot reach cluster', releases: [] } });
    expect(refusedGates(gone)).toEqual(['source-healthy']);
  });

  it('refuses a drifted target unless --allow-drift, which warns', () => {
    const drifted = { drift: true, releases: [{ release: 'core-agents', added: 0, changed: 1, deleted: 0 }] };
    expect(refusedGates(inputs({ targetDrift: drifted }))).toEqual(['no-drift']);
    const allowed = gate(inputs({ targetDrift: drifted, allowDrift: true }), 'no-drift');
    expect(allowed?.result).toBe('warn');
    expect(allowed?.reason).toContain('core-agents (0 added, 1 changed, 0 deleted)');
  });

  it('skips the gates the target does not require', () => {
    const i = inputs({ targetDrift: { drift: true, releases: [] } });
    delete i.sourceLive;
    i.target.gates = { approval: false, sourceHealthy: false, noDrift: false };
    expect(refusedGates(i)).toEqual([]);
    expect(gate(i, 'source-healthy')?.result).toBe('skip');
  });

  it('refuses lint errors of the would-be files: gate lint', () => {
    const i = inputs({
      lint: { errors: [{ rule: 'image-pinned', message: 'not pinned', file: 'charts/x.yaml', line: 3 }], warnings: 0 },
    });
    expect(refusedGates(i)).toEqual(['lint']);
    expect(gate(i, 'lint')?.reason).toBe('1 error with the new pins: image-pinned: charts/x.yaml:3: not pinned');
  });

  it('requires approval where the target says so: the plan digest, nothing else, approves', () => {
    const i = inputs();
    i.target.gates.approval = true;
    const { digest } = assemblePromotionPlan(i);
    expect(refusedGates(i)).toEqual(['approval']);
    expect(gate(i, 'approval')?.reason).toBe(
      `staging requires approval of this plan: pass --approve ${digest} (CI: KOSMOS_APPROVE=${digest})`,
    );
    expect(gate({ ...i, approval: { value: digest, via: '--approve' } }, 'approval')?.result).toBe('pass');
    // The bare hex, as a person may paste it, names the same plan.
    expect(gate({ ...i, approval: { value: digest.slice(7), via: 'KOSMOS_APPROVE' } }, 'approval')?.result).toBe(
      'pass',
    );
    for (const value of ['1', 'yes', 'true'])
      expect(gate({ ...i, approval: { value, via: 'KOSMOS_APPROVE' } }, 'approval')?.reason).toBe(
        `KOSMOS_APPROVE is "${value}", not a plan digest (expected ${digest})`,
      );
    expect(gate({ ...i, approval: { value: D1, via: '--approve' } }, 'approval')?.reason).toBe(
      `--approve names plan ${D1}, not this plan ${digest}`,
    );
  });

  it('names a pin the target has no place for as a problem', () => {
    const i = inputs();
    i.target.images = [];
    const plan = assemblePromotionPlan(i);
    expect(plan.problems).toEqual([
      expect.stringContaining('environments/staging/values/core-agents.yaml: add agents.zeus.image'),
    ]);
  });

  it('has a digest that depends on content, not on the order keys were written in, nor on the approval', () => {
    const a = assemblePromotionPlan(inputs());
    const b = assemblePromotionPlan(inputs({ approval: { value: 'yes', via: '--approve' } }));
    expect(b.digest).toBe(a.digest);
    expect(a.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    const i = inputs();
    (i.registry.images[0] as { digest?: string }).digest = D2;
    expect(assemblePromotionPlan(i).digest).not.toBe(a.digest);
    expect(canonicalJson({ b: 1, a: [{ d: 1, c: 2 }] })).toBe(canonicalJson({ a: [{ c: 2, d: 1 }], b: 1 }));
  });

  it('is plain JSON: serialised and read back, it is the same plan', () => {
    const plan = assemblePromotionPlan(inputs());
    expect(JSON.parse(JSON.stringify(plan))).toEqual(plan);
  });

  it('has a digest covering the chart layer digests, the live diff, the files and the gate results', () => {
    const a = assemblePromotionPlan(inputs());
    const chartMoved = inputs();
    (chartMoved.registry.charts[0] as { digest?: string }).digest = D1;
    const liveMoved = inputs({
      live: { objects: [{ id: 'apps/v1/Deployment/ns/x', change: 'changed', diff: '-a\n+b' }] },
    });
    const fileMoved = inputs();
    fileMoved.target.files = { 'environments/staging/environment.yaml': 'sha256:y' };
    const gateMoved = inputs({ lint: { errors: [{ rule: 'r', message: 'm' }], warnings: 0 } });
    const digests = [chartMoved, liveMoved, fileMoved, gateMoved].map((i) => assemblePromotionPlan(i).digest);
    expect(new Set([a.digest, ...digests]).size).toBe(5);
  });
});

describe('planDifferences', () => {
  it('is empty for the same plan, and names each pin, file, chart, image and object that moved', () => {
    const base = inputs({
      live: { objects: [{ id: 'apps/v1/Deployment/ns/zeus', change: 'changed', diff: '-image: a\n+image: b' }] },
    });
    const approved = assemblePromotionPlan(base);
    expect(planDifferences(approved, assemblePromotionPlan(base))).toEqual([]);

    const now = inputs({
      live: {
        objects: [
          { id: 'apps/v1/Deployment/ns/zeus', change: 'changed', diff: '-image: a\n-replicas: 3\n+image: b' },
          { id: 'v1/ConfigMap/ns/zeus', change: 'changed', diff: '-x\n+y' },
        ],
      },
    });
    now.target.files = { 'environments/staging/environment.yaml': 'sha256:edited' };
    (now.registry.charts[0] as { digest?: string }).digest = D1;
    (now.registry.images[0] as { digest?: string }).digest = D2;
    const diffs = planDifferences(approved, assemblePromotionPlan(now));
    expect(diffs).toEqual([
      'pin core-agents: image agents.zeus.image.digest (environments/staging/values/core-agents.yaml): approved "" -> '.concat(
        D1,
        `, now "" -> ${D2}`,
      ),
      'file environments/staging/environment.yaml changed since the plan was made',
      `chart oci://127.0.0.1:5000/charts/core-agents:0.2.0 now names ${D1}, the plan ${D2}`,
      `image docker.io/nuvanta/zeus:v2.1.0 now names ${D2}, the plan ${D1}`,
      'object apps/v1/Deployment/ns/zeus: the plan would have it changed, now changed with another diff (changed in the cluster since)',
      'object v1/ConfigMap/ns/zeus: the plan would leave it unchanged, now changed',
    ]);
  });
});

describe('plan files', () => {
  it('read back to the same plan; an edited plan file is bad input naming the digest', () => {
    const plan = assemblePromotionPlan(inputs());
    const text = planFileText(plan);
    expect(JSON.parse(text).kind).toBe('kosmos.promotion-plan/v1');
    expect(parsePlanFile(text, 'plan.json')).toEqual(plan);
    const edited = text.replace('"to": "0.2.0"', '"to": "0.3.0"');
    expect(edited).not.toBe(text);
    expect(() => parsePlanFile(edited, 'plan.json')).toThrow(
      new RegExp(`^plan\\.json: digest: the file says ${plan.digest} but its content hashes to sha256:`),
    );
    expect(() => parsePlanFile('{}', 'p.json')).toThrow('p.json: kind: expected kosmos.promotion-plan/v1');
  });
});

describe('records and rollback', () => {
  it('records the pins after the promotion; a rollback to that record changes them back', () => {
    const i = inputs();
    const plan = assemblePromotionPlan(i);
    const rec = promotionRecord({ plan, inputs: i, actor: 'a <a@x>', time: new Date(0), outcome: 'applied' });
    expect(rec.pins).toEqual({
      charts: [{ release: 'core-agents', chart: 'core-agents', version: '0.2.0' }],
      images: [
        {
          release: 'core-agents',
          key: 'agents.zeus.image',
          registry: 'docker.io',
          repository: 'nuvanta/zeus',
          tag: 'v2.1.0',
          digest: D1,
        },
      ],
    });
    expect(rec).toMatchObject({
      time: '1970-01-01T00:00:00.000Z',
      source: 'dev',
      target: 'staging',
      plan: plan.digest,
    });
    expect(JSON.parse(JSON.stringify(rec))).toEqual(rec);

    // Later the target moved on to 0.3.0 / v3; rolling back to the record restores 0.2.0 / v2.1.0@D1.
    const later = inputs();
    later.target.charts[1] = { ...(later.target.charts[1] as ChartPin), version: '0.3.0', raw: '0.3.0' };
    later.target.images = [image('staging', 'core-agents', 'v3', D2)];
    const source = rollbackSource(later.target, rec, 1);
    const back = assemblePromotionPlan({
      ...later,
      source,
      rollback: { record: 1, time: rec.time, plan: rec.plan },
      registry: {
        charts: later.registry.charts,
        images: [{ ref: `docker.io/nuvanta/zeus:v2.1.0@${D1}`, askedAt: '127.0.0.1:5000', digest: D1 }],
      },
    });
    expect(back.changes.map((c) => [c.what, c.from, c.to])).toEqual([
      ['chart core-agents', '0.3.0', '0.2.0'],
      ['image agents.zeus.image.tag', 'v3', 'v2.1.0'],
      ['image agents.zeus.image.digest', D2, D1],
    ]);
    expect(back.gates.find((g) => g.id === 'promotes-from')?.reason).toContain(
      'a rollback of staging to its promotion #1',
    );
    expect(back.gates.find((g) => g.id === 'source-healthy')?.result).toBe('skip');
    expect(back.refused).toBe(false);
  });
});

describe('imagePins', () => {
  it('finds image and *Image mappings with repository and tag; a later file wins', () => {
    const { pins, problems } = imagePins({
      release: 'data-tier',
      values: [
        {
          file: 'a.yaml',
          text: 'postgresql:\n  image:\n    repository: library/postgres\n    tag: "17"\nbackup:\n  mcImage:\n    registry: quay.io\n    repository: minio/mc\n    tag: R1\n    digest: sha256:x\nagentDefaults:\n  image:\n    pullPolicy: Always\n',
        },
        {
          file: 'b.yaml',
          text: 'postgresql:\n  image:\n    registry: docker.io\n    repository: library/postgres\n    tag: "18"\n',
        },
      ],
    });
    expect(problems).toEqual([]);
    expect(pins.map((p) => [p.key, p.registry, p.repository, p.tag, p.digest, p.at.file])).toEqual([
      ['backup.mcImage', 'quay.io', 'minio/mc', 'R1', 'sha256:x', 'a.yaml'],
      ['postgresql.image', 'docker.io', 'library/postgres', '18', '', 'b.yaml'],
    ]);
  });
});
