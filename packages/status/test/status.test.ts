import { appendFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { type Environment, loadEnvironment } from '@kosmos/environment';
import { ApiError, type Cluster, KubeConnectionError, KubeError } from '@kosmos/kube';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// The diff tests' fake cluster and fixture: status asks the cluster through diff.
import { fakeCluster, fixtureRoot } from '../../diff/test/fake-cluster.ts';
import { environmentStatus, failedStatus, statusForEnvironment } from '../src/status.ts';

const env: Environment = {
  name: 'prod',
  file: '/repo/environments/prod/environment.yaml',
  dir: '/repo/environments/prod',
  kubernetesVersion: '1.36.3',
  cluster: { local: false, context: 'prod' },
  registry: { local: false, url: 'oci://registry.example/charts' },
  gates: { approval: true, sourceHealthy: true, noDrift: true },
  releases: [
    {
      name: 'app',
      namespace: 'apps',
      chart: { kind: 'upstream', name: 'app', repository: 'https://charts.example' },
      version: '1.2.0',
      values: [],
      needs: [],
      at: { file: '/repo/environments/prod/environment.yaml', line: 9, col: 5 },
    },
  ],
};

const target = 'context "prod" (https://10.0.0.1:6443)';
const refused = new KubeConnectionError(`cannot reach cluster ${target}: ECONNREFUSED connect 10.0.0.1:6443`);
const serverError = new ApiError(target, 'GET /version', 'etcdserver: leader changed', 500, 'InternalError');

describe('failedStatus', () => {
  it('marks only connection failures unreachable', () => {
    expect(failedStatus(env, refused)).toEqual({
      env: 'prod',
      reachable: false,
      error: refused.message,
      releases: [
        {
          env: 'prod',
          release: 'app',
          namespace: 'apps',
          pinned: '1.2.0',
          deployed: null,
          helmStatus: null,
          drift: null,
          health: 'unreachable',
          unready: [],
          upToDate: null,
        },
      ],
    });
  });

  it('makes any other failure an error row with its first line', () => {
    const helm = Object.assign(new Error('helm release apps/app v3: bad manifest\nline 2'), { name: 'HelmError' });
    for (const [e, message] of [
      [serverError, `${target}: GET /version: etcdserver: leader changed`],
      [helm, 'helm release apps/app v3: bad manifest'],
      [new KubeError('context "prod" not found in kubeconfig /k'), 'context "prod" not found in kubeconfig /k'],
      ['a thrown string', 'a thrown string'],
    ] as const) {
      const s = failedStatus(env, e);
      expect(s).toMatchObject({ env: 'prod', reachable: true, error: message });
      expect(s.releases.map((r) => [r.health, r.drift, r.deployed])).toEqual([['error', null, null]]);
    }
  });
});

describe('statusForEnvironment', () => {
  const fake = (ping: () => Promise<string>) => {
    const state = { closed: 0 };
    const cluster = { client: { ping }, close: () => state.closed++ } as unknown as Cluster;
    return { state, connect: async () => cluster };
  };

  it('connects, pings once and closes; a refused ping is unreachable', async () => {
    let pings = 0;
    const f = fake(async () => {
      pings++;
      throw refused;
    });
    const s = await statusForEnvironment(env, { connect: f.connect });
    expect(s).toMatchObject({ reachable: false, error: refused.message });
    expect(pings).toBe(1);
    expect(f.state.closed).toBe(1);
  });

  it('an API server error is an error row, not "unreachable"', async () => {
    const f = fake(async () => {
      throw serverError;
    });
    const s = await statusForEnvironment(env, { connect: f.connect });
    expect(s).toMatchObject({ reachable: true, error: serverError.message });
    expect(s.releases[0]?.health).toBe('error');
    expect(f.state.closed).toBe(1);
  });

  it('a failure to connect is classified the same way', async () => {
    const notRunning = new KubeConnectionError('prod uses the local cluster, which is not running');
    expect(
      await statusForEnvironment(env, {
        connect: async () => {
          throw notRunning;
        },
      }),
    ).toMatchObject({ reachable: false, error: notRunning.message });
    expect(
      await statusForEnvironment(env, {
        connect: async () => {
          throw new KubeError('kubeconfig /nope not found (context prod)');
        },
      }),
    ).toMatchObject({ reachable: true, error: 'kubeconfig /nope not found (context prod)' });
  });
});

describe('environmentStatus', () => {
  let root: string;
  beforeAll(() => {
    root = fixtureRoot('pw42');
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('reads each Helm release record once (the one diff read) and leaves pinging to its caller', async () => {
    const env = loadEnvironment(root, 'diff-fixture');
    const calls: string[] = [];
    const s = await environmentStatus(
      env,
      fakeCluster((o) => ({ ok: true, object: o }), calls),
    );
    expect(s.releases.map((r) => [r.release, r.health, r.drift])).toEqual([['app', 'not installed', true]]);
    expect(calls).toEqual(['list v1 Secret ns owner=helm,name=app']);
  });

  it('one release that cannot be rendered leaves only its own drift unknown, and says why once', async () => {
    const broken = fixtureRoot('pw43');
    try {
      // An upstream chart from a repository nobody listens at: helm cannot fetch it.
      appendFileSync(
        join(broken, 'environments/diff-fixture/environment.yaml'),
        '  - name: gone\n    namespace: ns\n    chart: { name: gone, repository: "http://127.0.0.1:9/charts" }\n    version: 1.0.0\n',
      );
      const env = loadEnvironment(broken, 'diff-fixture');
      const s = await environmentStatus(
        env,
        fakeCluster((o) => ({ ok: true, object: o })),
      );
      expect(s.releases.map((r) => [r.release, r.drift])).toEqual([
        ['app', true],
        ['gone', null],
      ]);
      expect(s.releases[0]?.driftError).toBeUndefined();
      expect(s.releases[1]?.driftError).toMatch(/^not rendered: helm template: .*127\.0\.0\.1:9/);
    } finally {
      rmSync(broken, { recursive: true, force: true });
    }
  });
});
