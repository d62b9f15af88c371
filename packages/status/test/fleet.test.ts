import type { Environment } from '@kosmos/environment';
import type { KubeObject } from '@kosmos/objects';
import { describe, expect, it } from 'vitest';
import { applicationRow, argoClusterRows, fleetStatus, summarise, unreachableSites } from '../src/index.ts';

const cluster = (name: string, def = false) => ({
  name,
  labels: {},
  default: def,
  cluster: { local: false as const, context: name },
});

const env = {
  name: 'production',
  file: '/r/environments/production/environment.yaml',
  dir: '/r/environments/production',
  kubernetesVersion: 'v1.36.3',
  cluster: { local: false, context: 'site-a' },
  clusters: [cluster('site-a', true), cluster('site-b')],
  registry: { local: false, url: 'oci://r/charts' },
  gates: { approval: false, sourceHealthy: true, noDrift: false },
  releases: [
    {
      name: 'platform',
      namespace: 'kube-system',
      chart: { kind: 'repo', name: 'platform', dir: '/r/charts/platform' },
      version: '0.2.0',
      values: [],
      needs: [],
      at: { file: 'environment.yaml', line: 1, col: 1 },
    },
  ],
} as Environment;

function app(name: string, status: Record<string, unknown>): KubeObject {
  return { apiVersion: 'argoproj.io/v1alpha1', kind: 'Application', metadata: { name }, status } as KubeObject;
}

const synced = (version: string) => ({
  sync: { status: 'Synced', comparedTo: { source: { targetRevision: version } } },
  health: { status: 'Healthy' },
  history: [{ source: { targetRevision: version } }],
  operationState: { phase: 'Succeeded', syncResult: { source: { targetRevision: version } } },
});

describe('the fleet status from Argo CD Applications', () => {
  it('reads sync, health and the version synced; a missing Application says so', () => {
    expect(applicationRow('platform', app('site-a-platform', synced('0.2.0')))).toEqual({
      release: 'platform',
      sync: 'Synced',
      health: 'Healthy',
      deployed: '0.2.0',
      drift: false,
    });
    const failing = applicationRow(
      'platform',
      app('x', {
        sync: { status: 'Unknown' },
        health: { status: 'Unknown' },
        conditions: [
          { type: 'ComparisonError', message: 'failed to sync cluster https://127.0.0.1:1: connection refused\nmore' },
        ],
        history: [{ source: { targetRevision: '0.1.0' } }],
      }),
    );
    expect(failing).toEqual({
      release: 'platform',
      sync: 'Unknown',
      health: 'Unknown',
      deployed: '0.1.0',
      drift: null,
      message: 'ComparisonError: failed to sync cluster https://127.0.0.1:1: connection refused',
    });
    expect(applicationRow('platform', undefined)).toMatchObject({ health: 'Missing', message: 'no Application' });
  });

  it('sums the clusters up per release, naming the cluster that lags, and names unreachable ones', () => {
    const sites = [{ cluster: cluster('site-a', true) }, { cluster: cluster('site-b') }];
    const both = argoClusterRows(env, sites, [
      app('site-a-platform', synced('0.2.0')),
      app('site-b-platform', synced('0.2.0')),
    ]);
    expect(summarise(env, () => '0.2.0', both)).toEqual([
      expect.objectContaining({
        deployed: '0.2.0',
        helmStatus: 'deployed',
        health: 'ready',
        drift: false,
        upToDate: true,
      }),
    ]);
    const lagging = argoClusterRows(env, sites, [
      app('site-a-platform', synced('0.2.0')),
      app('site-b-platform', {
        ...synced('0.1.0'),
        sync: { status: 'OutOfSync' },
        health: { status: 'Progressing' },
      }),
    ]);
    expect(summarise(env, () => '0.2.0', lagging)[0]).toMatchObject({
      deployed: null,
      helmStatus: 'OutOfSync on site-b; versions differ: site-a 0.2.0, site-b 0.1.0',
      health: 'not ready',
      unready: ['site-b: Progressing'],
      drift: true,
      upToDate: false,
    });
    const down = argoClusterRows(
      env,
      [
        { cluster: cluster('site-a', true) },
        { cluster: cluster('site-b'), error: 'connect ECONNREFUSED 127.0.0.1:6443' },
      ],
      [app('site-a-platform', synced('0.2.0')), app('site-b-platform', synced('0.2.0'))],
    );
    expect(summarise(env, () => '0.2.0', down)[0]?.health).toBe('unreachable');
    expect(unreachableSites(down)).toBe('cluster site-b is unreachable (connect ECONNREFUSED 127.0.0.1:6443)');
    expect(unreachableSites(both)).toBeUndefined();
  });
});
describe('the fleet status without Argo CD', () => {
  it("asks each cluster as the environment's only one and names the one that is unreachable", async () => {
    const { argocd: _, ...plain } = env as Environment & { argocd?: unknown };
    const asked: string[] = [];
    const s = await fleetStatus(plain as Environment, () => '0.2.0', {
      single: async (e) => {
        const context = (e.cluster as { context: string }).context;
        asked.push(context);
        expect(e.clusters).toBeUndefined();
        return context === 'site-b'
          ? { env: 'production', reachable: false, error: 'connect ECONNREFUSED', releases: [] }
          : {
              env: 'production',
              reachable: true,
              releases: [
                {
                  env: 'production',
                  release: 'platform',
                  namespace: 'kube-system',
                  pinned: '0.2.0',
                  deployed: '0.2.0',
                  helmStatus: 'deployed',
                  drift: false,
                  health: 'no workloads',
                  unready: [],
                  upToDate: true,
                },
              ],
            };
      },
    });
    expect(asked.sort()).toEqual(['site-a', 'site-b']);
    expect(s.clusters.map((c) => [c.cluster, c.via, c.reachable])).toEqual([
      ['site-a', 'helm', true],
      ['site-b', 'helm', false],
    ]);
    expect(s.error).toBe('cluster site-b is unreachable (connect ECONNREFUSED)');
    expect(s.releases[0]?.health).toBe('unreachable');
  });
});
