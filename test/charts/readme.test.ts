import { describe, expect, it } from 'vitest';
import { isStale, listCharts } from '../../scripts/readme-charts.ts';

describe('chart READMEs', () => {
  it('lists every application chart and skips the library chart', async () => {
    const names = (await listCharts()).map((c) => c.chart);
    for (const c of ['core-agents', 'ingress', 'platform', 'rollouts']) expect(names).toContain(c);
    expect(names).not.toContain('common');
  });

  it.each(['core-agents', 'ingress', 'platform', 'rollouts'])(
    'charts/%s/README.md matches its values.yaml (pnpm readme:charts)',
    async (chart) => {
      const c = (await listCharts()).find((x) => x.chart === chart);
      if (!c) throw new Error(`${chart} not found`);
      expect(await isStale(c)).toBe(false);
    },
  );
});
