import { describe, expect, it } from 'vitest';
import { colorizeDiff, unifiedDiff } from '../src/unified.ts';

describe('unifiedDiff', () => {
  const from = Array.from({ length: 20 }, (_, i) => `line ${i + 1}`).join('\n');
  it('is empty for equal texts', () => {
    expect(unifiedDiff(from, from)).toBe('');
  });

  it('shows one change with the asked context and correct hunk header', () => {
    const to = from.replace('line 10', 'line ten');
    expect(unifiedDiff(from, to, { context: 1, fromLabel: 'a', toLabel: 'b' })).toBe(
      ['--- a', '+++ b', '@@ -9,3 +9,3 @@', ' line 9', '-line 10', '+line ten', ' line 11', ''].join('\n'),
    );
  });

  it('splits distant changes into hunks and merges close ones', () => {
    const to = from.replace('line 2\n', 'line two\n').replace('line 18', 'line eighteen');
    const hunks = unifiedDiff(from, to, { context: 2 })
      .split('\n')
      .filter((l) => l.startsWith('@@'));
    expect(hunks).toEqual(['@@ -1,4 +1,4 @@', '@@ -16,5 +16,5 @@']);
    const close = from.replace('line 5', 'five').replace('line 8', 'eight');
    expect(
      unifiedDiff(from, close, { context: 2 })
        .split('\n')
        .filter((l) => l.startsWith('@@')),
    ).toHaveLength(1);
  });

  it('shows a whole deletion as one hunk', () => {
    expect(unifiedDiff('a\nb\n', '')).toBe('--- live\n+++ desired\n@@ -1,2 +0,0 @@\n-a\n-b\n');
  });

  it('colours only when asked', () => {
    const d = unifiedDiff('a\n', 'b\n');
    expect(d).not.toContain('\u001b[');
    expect(colorizeDiff(d)).toContain('\u001b[31m-a');
    expect(colorizeDiff(d)).toContain('\u001b[32m+b');
  });
});
