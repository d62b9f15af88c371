import { table } from '@kosmos/cli';
import { formatText } from '@kosmos/diff';
import { GATE_TITLES } from './plan.ts';
import type { Planned } from './promote.ts';
import type { PromotionPlan } from './types.ts';

const MARK = { pass: 'pass', refuse: 'REFUSED', warn: 'warning', skip: 'skip' } as const;

/** The plan for people: pins old → new, the live diff the promotion would cause, each gate. */
export function formatPlan(p: Planned, o: { color?: boolean } = {}): string {
  const plan = p.plan;
  const title = plan.rollback
    ? `rollback ${plan.target} to its promotion #${plan.rollback.record} (${plan.rollback.time})`
    : `promote ${plan.source} -> ${plan.target}`;
  const out: string[] = [title, `plan ${plan.digest}`, ''];
  if (plan.changes.length === 0) out.push('pins: nothing changes', '');
  else {
    out.push(`pins that change (${plan.changes.length}):`);
    const rows = [['RELEASE', 'PIN', 'FROM', 'TO', 'FILE']];
    for (const c of plan.changes) rows.push([c.release, c.what, c.from || '""', c.to, c.at.file]);
    out.push(
      table(rows)
        .split('\n')
        .map((l) => `  ${l}`)
        .join('\n'),
      '',
    );
  }
  for (const u of plan.untouched) out.push(`untouched: ${u.release}: ${u.reason}`);
  if (plan.untouched.length) out.push('');
  if (p.diff) {
    out.push(`what the promotion would change in ${plan.target}'s cluster (Secret values never shown):`, '');
    out.push(formatText(p.diff, o));
  } else if (p.diffError) out.push(`live diff: ${p.diffError}`, '');
  out.push('gates:');
  for (const g of plan.gates) out.push(`  ${MARK[g.result].padEnd(8)} ${g.id.padEnd(15)} ${g.reason}`);
  for (const pr of plan.problems) out.push(`problem: ${pr}`);
  return `${out.join('\n')}\n`;
}

/** The gates that refused, as one message per gate (what exit 3 prints). */
export function refusals(plan: PromotionPlan): string[] {
  return plan.gates
    .filter((g) => g.result === 'refuse')
    .map((g) => `gate ${g.id} (${GATE_TITLES[g.id]}) refused: ${g.reason}`);
}

/** The plan as JSON for CI: everything but the Secret-bearing diff, whose summary is kept. */
export function planJson(p: Planned, extra: Record<string, unknown> = {}): string {
  return `${JSON.stringify(
    {
      ...p.plan,
      diff: p.diff
        ? {
            context: p.diff.context,
            drift: p.diff.drift,
            releases: p.diff.releases.map((r) => r.summary),
            skipped: p.diff.skipped,
          }
        : { error: p.diffError ?? 'not computed' },
      ...extra,
    },
    null,
    2,
  )}\n`;
}
