import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DigestCache } from '../src/cache.ts';
import { treeCharts } from '../src/index.ts';
import { chartsRepo } from './fixture.ts';

describe('digest cache key', () => {
  it('changes with any file of the chart or of the library it vendors; not with vendored copies or node_modules', async () => {
    const root = chartsRepo();
    const cache = await DigestCache.open(root);
    const key = async (name: string) => {
      const charts = treeCharts(root);
      return cache.key(charts.find((c) => c.name === name) as (typeof charts)[number], charts);
    };
    const agents0 = await key('core-agents');
    const platform0 = await key('platform');
    expect(await key('core-agents')).toBe(agents0);

    mkdirSync(join(root, 'charts/core-agents/charts'), { recursive: true });
    writeFileSync(join(root, 'charts/core-agents/charts/kosmos-common-0.1.0.tgz'), 'vendored bytes vary with mtimes');
    mkdirSync(join(root, 'charts/core-agents/node_modules/x'), { recursive: true });
    writeFileSync(join(root, 'charts/core-agents/node_modules/x/y'), 'not packaged');
    expect(await key('core-agents')).toBe(agents0);

    appendFileSync(join(root, 'charts/core-agents/templates/NOTES.txt'), '\n');
    const agents1 = await key('core-agents');
    expect(agents1).not.toBe(agents0);
    expect(await key('platform')).toBe(platform0);

    appendFileSync(join(root, 'charts/common/templates/_names.tpl'), '\n');
    expect(await key('core-agents')).not.toBe(agents1);
    expect(await key('platform')).not.toBe(platform0);
  });

  it('remembers digests across runs, keeping only the current keys', async () => {
    const root = chartsRepo();
    const a = await DigestCache.open(root);
    a.set('k1', 'sha256:1');
    a.set('k2', 'sha256:2');
    await a.save(['k2']);
    const b = await DigestCache.open(root);
    expect([b.get('k1'), b.get('k2')]).toEqual([undefined, 'sha256:2']);
  });
});
