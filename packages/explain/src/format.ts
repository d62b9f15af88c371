import type { ReleaseExplanation } from './explain.ts';
import type { Setting } from './layers.ts';

/** A value on one line: scalars as YAML writes them, maps and lists as JSON. */
const show = (v: unknown): string => {
  if (typeof v === 'string')
    return v === '' || /^[\s\-?:,[\]{}#&*!|>'"%@`]|:\s|\s#|\s$/.test(v) ? JSON.stringify(v) : v;
  if (v === null) return 'null';
  return typeof v === 'object' ? JSON.stringify(v) : String(v);
};

const where = (s: Setting) => `${s.file}:${s.line}:${s.col}`;

function describe(s: Setting, key: string): string {
  const by = s.promoted ? ' (written by pnpm promote)' : '';
  if (s.how === 'deletes') return `deleted (${s.at === key ? 'null' : `${s.at}: null`})${by}`;
  if (s.how === 'replaces') return `replaced whole: ${s.at} = ${show(s.value)}${by}`;
  return `${show(s.value)}${by}`;
}

/** For people: per key, the final value, then each layer with its file:line:col, the winner marked. */
export function formatText(e: ReleaseExplanation): string {
  const out = [
    `${e.env}/${e.release}: chart ${e.chart.name} ${e.chart.version} (pinned at ${e.chart.pinnedAt.file}:${e.chart.pinnedAt.line}:${e.chart.pinnedAt.col}${e.chart.promoted ? ', written by pnpm promote' : ''})`,
    `layers, in the order helm applies them: ${e.files.map((f) => f.file).join(' < ') || '(none)'}`,
    ...e.notes.map((n) => `note: ${n}`),
    '',
  ];
  for (const v of e.values) {
    out.push(`${v.key} = ${v.final.set ? show(v.final.value) : '(unset)'}`);
    const width = Math.max(...v.layers.map((s) => where(s).length));
    for (const s of v.layers) {
      const commit = s.commit ? `  [${s.commit.sha} ${s.commit.date} ${s.commit.summary}]` : '';
      out.push(`  ${where(s).padEnd(width)}  ${describe(s, v.key)}${s === v.winner ? '  <- wins' : ''}${commit}`);
    }
  }
  return `${out.join('\n')}\n`;
}

/** For CI: the explanation as it is (values already masked). */
export function formatJson(e: ReleaseExplanation): string {
  return `${JSON.stringify(e, null, 2)}\n`;
}
