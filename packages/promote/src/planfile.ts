import { EXIT, UserError } from '@kosmos/cli';
import type { PromotionRecord, RecordedChart, RecordedImage } from '@kosmos/environment';
import { digestOf, promoted } from './plan.ts';
import type { ChartPin, EnvironmentPins, ImagePin, PromotionInputs, PromotionPlan } from './types.ts';

/** The format of a plan file (`--plan-out`), so a reader can tell it from anything else. */
export const PLAN_KIND = 'kosmos.promotion-plan/v1';

/** A plan as its file holds it: the plan, its digest, nothing else. */
export function planFileText(plan: PromotionPlan): string {
  return `${JSON.stringify({ kind: PLAN_KIND, ...plan }, null, 2)}\n`;
}

/**
 * Reads a plan file back. Its digest is recomputed from its content: a plan edited after it was
 * written (by hand, by a merge) no longer carries the digest that was approved, and is refused
 * as bad input here rather than compared.
 */
export function parsePlanFile(text: string, file: string): PromotionPlan {
  let doc: Record<string, unknown>;
  try {
    doc = JSON.parse(text) as Record<string, unknown>;
  } catch {
    throw new UserError(`${file}: not JSON (expected a plan written by pnpm promote --plan-out)`, EXIT.usage);
  }
  if (!doc || doc.kind !== PLAN_KIND)
    throw new UserError(`${file}: kind: expected ${PLAN_KIND} (a plan written by pnpm promote --plan-out)`, EXIT.usage);
  for (const k of ['source', 'target', 'digest'] as const)
    if (typeof doc[k] !== 'string') throw new UserError(`${file}: ${k}: expected a string`, EXIT.usage);
  for (const k of ['changes', 'gates', 'charts', 'images'] as const)
    if (!Array.isArray(doc[k])) throw new UserError(`${file}: ${k}: expected a list`, EXIT.usage);
  for (const k of ['files', 'sourceFiles', 'live'] as const)
    if (!doc[k] || typeof doc[k] !== 'object') throw new UserError(`${file}: ${k}: expected a mapping`, EXIT.usage);
  const { kind: _, ...plan } = doc;
  const p = plan as unknown as PromotionPlan;
  const digest = digestOf(p);
  if (digest !== p.digest)
    throw new UserError(
      `${file}: digest: the file says ${p.digest} but its content hashes to ${digest} (edited since it was written?)`,
      EXIT.usage,
    );
  return p;
}

/** The promoted pins of the target once a plan's changes are written: what a later rollback restores. */
export function pinsAfter(
  i: Pick<PromotionInputs, 'source' | 'target'>,
  plan: Pick<PromotionPlan, 'changes'>,
): PromotionRecord['pins'] {
  const wanted = new Set(promoted(i).releases);
  const changed = new Map(plan.changes.map((c) => [`${c.at.file}#${c.at.path.join('.')}`, c.to]));
  const at = (file: string, path: (string | number)[]) => changed.get(`${file}#${path.join('.')}`);
  const charts: RecordedChart[] = i.target.charts
    .filter((c) => wanted.has(c.release))
    .map((c) => ({ release: c.release, chart: c.chart, version: at(c.at.file, c.at.path) ?? c.version }));
  const images: RecordedImage[] = i.target.images
    .filter((p) => wanted.has(p.release))
    .map((p) => {
      const f = (field: 'registry' | 'repository' | 'tag' | 'digest') =>
        at(p.at.file, [...p.at.path, field]) ?? p[field];
      return {
        release: p.release,
        key: p.key,
        registry: f('registry'),
        repository: f('repository'),
        tag: f('tag'),
        digest: f('digest'),
      };
    });
  return { charts, images };
}

/** The audit record of a promotion whose files were written; `outcome` says how far it went. */
export function promotionRecord(o: {
  plan: PromotionPlan;
  inputs: Pick<PromotionInputs, 'source' | 'target'>;
  actor: string;
  time: Date;
  outcome: string;
}): PromotionRecord {
  return {
    kind: 'kosmos.promotion/v1',
    time: o.time.toISOString(),
    actor: o.actor,
    source: o.plan.rollback ? 'rollback' : o.plan.source,
    target: o.plan.target,
    ...(o.plan.rollback ? { rollbackTo: o.plan.rollback.record } : {}),
    plan: o.plan.digest,
    changes: o.plan.changes.map((c) => ({ release: c.release, what: c.what, from: c.from, to: c.to, file: c.at.file })),
    pins: pinsAfter(o.inputs, o.plan),
    gates: o.plan.gates.map((g) => ({ id: g.id, result: g.result, reason: g.reason })),
    outcome: o.outcome,
  };
}

/**
 * A rollback's source: the pins an earlier record left, as if an environment pinned them. The
 * places (`at`) are the target's own; a rollback writes where a promotion wrote.
 */
export function rollbackSource(target: EnvironmentPins, record: PromotionRecord, n: number): EnvironmentPins {
  const name = `${target.name}#${n}`;
  const charts: ChartPin[] = [];
  for (const c of record.pins.charts) {
    const t = target.charts.find((x) => x.release === c.release);
    if (!t) continue;
    charts.push({ ...t, chart: c.chart, version: c.version, raw: c.version });
  }
  const images: ImagePin[] = [];
  const problems: string[] = [];
  for (const p of record.pins.images) {
    const t = target.images.find((x) => x.release === p.release && x.key === p.key);
    if (!t) {
      problems.push(`${target.name} no longer pins image ${p.key} of ${p.release}, which promotion #${n} recorded`);
      continue;
    }
    images.push({ ...t, registry: p.registry, repository: p.repository, tag: p.tag, digest: p.digest });
  }
  return { name, charts, images, problems };
}
