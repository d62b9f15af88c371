import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  appendPromotion,
  type PromotionRecord,
  parsePromotions,
  promotionsPath,
  readPromotions,
} from '../src/index.ts';

const roots: string[] = [];
afterEach(() => {
  for (const r of roots.splice(0)) rmSync(r, { recursive: true, force: true });
});

const record = (to: string): PromotionRecord => ({
  kind: 'kosmos.promotion/v1',
  time: '2026-11-30T08:00:00.000Z',
  actor: 'A <a@example.org>',
  source: 'dev',
  target: 'staging',
  plan: `sha256:${'a'.repeat(64)}`,
  changes: [{ release: 'app', what: 'chart app', from: '0.1.0', to, file: 'environments/staging/environment.yaml' }],
  pins: { charts: [{ release: 'app', chart: 'app', version: to }], images: [] },
  gates: [{ id: 'registry', result: 'pass', reason: 'found' }],
  outcome: 'applied',
});

describe('promotions.jsonl', () => {
  it('appends one line a record, never touching what is there, and reads them back numbered', async () => {
    const root = mkdtempSync(join(tmpdir(), 'kosmos-audit-'));
    roots.push(root);
    expect(await readPromotions(root, 'staging')).toEqual([]);
    expect(await appendPromotion(root, record('0.2.0'))).toBe(1);
    const first = readFileSync(promotionsPath(root, 'staging'), 'utf8');
    expect(await appendPromotion(root, record('0.3.0'))).toBe(2);
    const both = readFileSync(promotionsPath(root, 'staging'), 'utf8');
    expect(both.startsWith(first)).toBe(true);
    expect(both.split('\n')).toHaveLength(3);
    const read = await readPromotions(root, 'staging');
    expect(read.map((r) => [r.n, r.pins.charts[0]?.version])).toEqual([
      [1, '0.2.0'],
      [2, '0.3.0'],
    ]);
  });

  it('names the file and line of a line that is not a record', async () => {
    const root = mkdtempSync(join(tmpdir(), 'kosmos-audit-'));
    roots.push(root);
    await appendPromotion(root, record('0.2.0'));
    writeFileSync(promotionsPath(root, 'staging'), `${readFileSync(promotionsPath(root, 'staging'), 'utf8')}{oops\n`);
    await expect(readPromotions(root, 'staging')).rejects.toThrow(
      'environments/staging/promotions.jsonl:2:1: not a JSON record',
    );
    expect(() => parsePromotions('{"kind":"x"}\n', 'f.jsonl')).toThrow(
      'f.jsonl:1:1: expected a kosmos.promotion/v1 record with plan and pins',
    );
  });
});
