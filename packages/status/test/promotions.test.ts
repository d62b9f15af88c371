import type { NumberedRecord } from '@kosmos/environment';
import { describe, expect, it } from 'vitest';
import { promotionView } from '../src/index.ts';

const rec = (n: number, target: string, source: string, time: string): NumberedRecord => ({
  n,
  kind: 'kosmos.promotion/v1',
  time,
  actor: 'A <a@x>',
  source,
  target,
  plan: `sha256:${String(n).repeat(64)}`,
  changes: [],
  pins: { charts: [], images: [] },
  gates: [],
  outcome: 'applied',
});

describe('promotionView', () => {
  it('puts versions side by side in promotion order, says who is behind whom, and the last promotion of each', () => {
    const view = promotionView(
      [
        {
          env: 'production',
          promotesFrom: 'staging',
          releases: [{ release: 'app', pinned: '0.1.0', deployed: '0.1.0' }],
        },
        { env: 'dev', releases: [{ release: 'app', pinned: 'tree (0.3.0)', deployed: '0.3.0' }] },
        {
          env: 'staging',
          promotesFrom: 'dev',
          releases: [
            { release: 'app', pinned: '0.3.0', deployed: '0.2.0' },
            { release: 'traefik', pinned: '37.0.0', deployed: null },
          ],
        },
      ],
      { staging: [rec(1, 'staging', 'dev', 't1'), rec(2, 'staging', 'rollback', 't2')], production: [] },
    );
    expect(view.environments).toEqual(['dev', 'staging', 'production']);
    expect(view.releases[0]).toEqual({
      release: 'app',
      versions: {
        dev: { pinned: 'tree (0.3.0)', deployed: '0.3.0' },
        staging: { pinned: '0.3.0', deployed: '0.2.0' },
        production: { pinned: '0.1.0', deployed: '0.1.0' },
      },
      behind: [{ env: 'production', behind: 'staging', has: '0.1.0', sourceHas: '0.3.0' }],
    });
    expect(view.releases[1]).toMatchObject({
      release: 'traefik',
      versions: { dev: null, production: null },
      behind: [],
    });
    expect(view.last.staging).toMatchObject({ n: 2, source: 'rollback', time: 't2' });
    expect(view.last.staging).not.toHaveProperty('pins');
    expect(view.last.dev).toBeNull();
    expect(view.last.production).toBeNull();
  });
});
