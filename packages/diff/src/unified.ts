import { structuredPatch } from 'diff';

export interface UnifiedOptions {
  /** Lines of context around each change (default 3). */
  context?: number;
  fromLabel?: string;
  toLabel?: string;
}

/**
 * A unified diff of two texts (`--- live` / `+++ desired`, `@@` hunks with `context` lines
 * around each change), or '' when they are equal. The edit script comes from the `diff` package.
 */
export function unifiedDiff(from: string, to: string, o: UnifiedOptions = {}): string {
  if (from === to) return '';
  const patch = structuredPatch('live', 'desired', from, to, '', '', { context: Math.max(0, o.context ?? 3) });
  if (patch.hunks.length === 0) return '';
  const out = [`--- ${o.fromLabel ?? 'live'}`, `+++ ${o.toLabel ?? 'desired'}`];
  for (const h of patch.hunks) {
    // An empty range names the line before it (GNU convention, as jsdiff's own formatPatch does).
    const oldStart = h.oldLines === 0 ? h.oldStart - 1 : h.oldStart;
    const newStart = h.newLines === 0 ? h.newStart - 1 : h.newStart;
    out.push(`@@ -${oldStart},${h.oldLines} +${newStart},${h.newLines} @@`);
    // "\ No newline at end of file" markers say nothing about Kubernetes objects.
    out.push(...h.lines.filter((l) => !l.startsWith('\\')));
  }
  return `${out.join('\n')}\n`;
}

const ANSI = { red: '\u001b[31m', green: '\u001b[32m', cyan: '\u001b[36m', bold: '\u001b[1m', reset: '\u001b[0m' };

/** Colours a unified diff for a terminal: removals red, additions green, hunk headers cyan. */
export function colorizeDiff(text: string): string {
  return text
    .split('\n')
    .map((l) => {
      if (l.startsWith('---') || l.startsWith('+++')) return `${ANSI.bold}${l}${ANSI.reset}`;
      if (l.startsWith('@@')) return `${ANSI.cyan}${l}${ANSI.reset}`;
      if (l.startsWith('-')) return `${ANSI.red}${l}${ANSI.reset}`;
      if (l.startsWith('+')) return `${ANSI.green}${l}${ANSI.reset}`;
      return l;
    })
    .join('\n');
}
