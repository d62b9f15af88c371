import { describe, expect, it } from 'vitest';
import type { DeployResult, ReleaseResult } from '../src/deploy.ts';
import { formatEvent, formatResult } from '../src/format.ts';

const rel = (o: Partial<ReleaseResult> & { name: string }): ReleaseResult => ({
  namespace: 'ns',
  version: '0.1.0',
  chart: `oci://127.0.0.1:5000/charts/${o.name}`,
  wave: 0,
  outcome: 'deployed',
  seconds: 1.5,
  unready: [],
  unchecked: [],
  ...o,
});

describe('formatResult', () => {
  it('names the failed release, each object not Ready with why, and what did not start', () => {
    const unready = [
      {
        kind: 'Deployment',
        namespace: 'kosmos-core',
        name: 'athena',
        reason: '1/1 available, 0 updated; pod athena-x unschedulable: 0/3 nodes are available',
      },
    ];
    const r: DeployResult = {
      env: 'dev',
      cluster: 'local cluster',
      dryRun: false,
      ok: false,
      timeout: '45s',
      waves: [['core-agents'], ['ingress']],
      releases: [
        rel({
          name: 'core-agents',
          outcome: 'failed',
          revision: 4,
          seconds: 52.3,
          error: 'helm upgrade: context deadline exceeded',
          rolledBack: 'rolled back to revision 2',
          unready,
        }),
        rel({ name: 'ingress', wave: 1, outcome: 'not-started', seconds: 0 }),
      ],
      failed: { release: 'core-agents', error: 'helm upgrade: context deadline exceeded', unready },
      seconds: 60,
    };
    expect(formatResult(r)).toBe(
      [
        'core-agents: FAILED after 52.3s: helm upgrade: context deadline exceeded; rolled back to revision 2',
        'ingress: not started (an earlier wave failed)',
        '',
        'deploy dev failed: release core-agents: helm upgrade: context deadline exceeded',
        '  not Ready: Deployment kosmos-core/athena: 1/1 available, 0 updated; pod athena-x unschedulable: 0/3 nodes are available',
        '  not started: ingress',
        '',
      ].join('\n'),
    );
  });

  it('a success counts the releases deployed', () => {
    const r: DeployResult = {
      env: 'dev',
      cluster: 'c',
      dryRun: false,
      ok: true,
      timeout: '5m',
      waves: [['a']],
      releases: [rel({ name: 'a', revision: 2 }), rel({ name: 'u', outcome: 'skipped', wave: -1, reason: 'left out' })],
      seconds: 12.5,
    };
    expect(formatResult(r)).toBe(
      'a: deployed 0.1.0 (revision 2) in 1.5s\nu: skipped: left out\n\ndeploy dev: 1 release(s) deployed in 12.5s\n',
    );
  });
});

describe('formatEvent', () => {
  it('progress lines with timings and what was not checked', () => {
    expect(formatEvent({ type: 'wave', wave: 1, of: 5, releases: ['data-tier', 'observability'] })).toBe(
      'wave 2/5: data-tier, observability',
    );
    expect(
      formatEvent({
        type: 'health',
        wave: 3,
        ok: true,
        seconds: 10.2,
        unchecked: [{ kind: 'Rollout', namespace: 'kosmos-core', name: 'zeus', reason: 'no status' }],
      }),
    ).toBe('  wave 4 health: ready (10.2s)\n    not checked: Rollout kosmos-core/zeus: no status');
  });
});
