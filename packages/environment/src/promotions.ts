import { constants } from 'node:fs';
import { mkdir, open, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { EnvironmentError } from './problems.ts';

const bad = (file: string, line: number, message: string) =>
  new EnvironmentError([{ file, line, col: 1, path: '', message }]);

/**
 * The audit trail of promotions into one environment: `environments/<env>/promotions.jsonl`,
 * one JSON record a line, only ever appended to. It lives here, on the ground floor, because
 * promote writes it and status and history read it.
 */

/** A chart pin as a promotion left it. */
export interface RecordedChart {
  release: string;
  chart: string;
  version: string;
}

/** An image pin as a promotion left it (promote's `ImagePin` is this plus where it is written). */
export interface RecordedImage {
  release: string;
  /** Dotted key path of the image mapping in the release's values. */
  key: string;
  registry: string;
  repository: string;
  tag: string;
  digest: string;
}

export interface PromotionRecord {
  /** The record's format. */
  kind: 'kosmos.promotion/v1';
  /** ISO 8601, UTC. */
  time: string;
  /** Who ran it: the CI user, or git's user.name <user.email>. */
  actor: string;
  /** The source environment, or `rollback` for a rollback. */
  source: string;
  target: string;
  /** For a rollback: the 1-based number of the record whose pins it restored. */
  rollbackTo?: number;
  /** The plan's digest (`sha256:…`): what the approval named. */
  plan: string;
  /** Each pin that changed, old → new. */
  changes: { release: string; what: string; from: string; to: string; file: string }[];
  /** Every promoted pin of the target after this promotion: what a rollback restores. */
  pins: { charts: RecordedChart[]; images: RecordedImage[] };
  gates: { id: string; result: string; reason: string }[];
  /** `written` (files only), `applied` (deployed, running the pins, Ready) or `apply failed: …`. */
  outcome: string;
}

/** One record as read, with its 1-based number in the file. */
export interface NumberedRecord extends PromotionRecord {
  n: number;
}

export const PROMOTIONS_FILE = 'promotions.jsonl';

export const promotionsPath = (root: string, env: string) => join(root, 'environments', env, PROMOTIONS_FILE);

/** Parses a promotions.jsonl text; a line that is not a record is bad input naming file and line. */
export function parsePromotions(text: string, file: string): NumberedRecord[] {
  const out: NumberedRecord[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = (lines[i] as string).trim();
    if (!line) continue;
    let rec: unknown;
    try {
      rec = JSON.parse(line);
    } catch {
      throw bad(file, i + 1, 'not a JSON record');
    }
    const r = rec as Partial<PromotionRecord>;
    if (!r || typeof r !== 'object' || r.kind !== 'kosmos.promotion/v1' || typeof r.plan !== 'string' || !r.pins)
      throw bad(file, i + 1, 'expected a kosmos.promotion/v1 record with plan and pins');
    out.push({ ...(r as PromotionRecord), n: out.length + 1 });
  }
  return out;
}

/** Every promotion recorded for an environment, oldest first (none: an empty list). */
export async function readPromotions(root: string, env: string): Promise<NumberedRecord[]> {
  const file = promotionsPath(root, env);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
  return parsePromotions(text, join('environments', env, PROMOTIONS_FILE));
}

/**
 * Appends one record as one line with O_APPEND: one write(2) of the whole line, so concurrent
 * appenders never interleave inside a line and nothing already there is touched.
 */
export async function appendPromotion(root: string, record: PromotionRecord): Promise<number> {
  const file = promotionsPath(root, record.target);
  await mkdir(dirname(file), { recursive: true });
  const fh = await open(file, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT, 0o644);
  try {
    await fh.write(`${JSON.stringify(record)}\n`);
    await fh.sync();
  } finally {
    await fh.close();
  }
  return (await readPromotions(root, record.target)).length;
}
