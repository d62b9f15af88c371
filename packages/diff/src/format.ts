import { table } from '@kosmos/cli';
import { drifted, type ObjectChange } from './changes.ts';
import type { EnvironmentDiff } from './plan.ts';
import { colorizeDiff } from './unified.ts';

const MARK: Record<ObjectChange['change'], string> = { added: '+', changed: '~', deleted: '-', unchanged: ' ' };

/** Summary rows: release, namespace, added, changed, deleted, unchanged. */
export function summaryTable(d: EnvironmentDiff): string {
  const rows = [['RELEASE', 'NAMESPACE', 'ADDED', 'CHANGED', 'DELETED', 'UNCHANGED']];
  for (const r of d.releases) {
    const s = r.summary;
    rows.push([s.release, s.namespace, String(s.added), String(s.changed), String(s.deleted), String(s.unchanged)]);
  }
  for (const s of d.skipped) rows.push([s.release, '-', '-', '-', '-', '-']);
  return table(rows);
}

function secretLine(c: ObjectChange): string | undefined {
  const k = c.secretKeys;
  if (!k) return undefined;
  const parts = [
    k.added.length ? `added ${k.added.join(', ')}` : '',
    k.changed.length ? `changed ${k.changed.join(', ')}` : '',
    k.removed.length ? `removed ${k.removed.join(', ')}` : '',
  ].filter(Boolean);
  return `    secret keys: ${parts.join('; ')} (values are never shown)`;
}

/** The report for people: per release, each object that would change with its diff, then the summary. */
export function formatText(d: EnvironmentDiff, o: { color?: boolean } = {}): string {
  const out: string[] = [`diff ${d.env}: context ${d.context} (${d.server})`, ''];
  for (const r of d.releases) {
    const moved = r.objects.filter((c) => c.change !== 'unchanged');
    const live = r.live
      ? `live revision ${r.live.revision} (${r.live.status}, chart ${r.live.chartVersion})`
      : 'not installed';
    out.push(
      `release ${r.release} (namespace ${r.namespace}, ${live}): ${moved.length ? `${moved.length} object(s) would change` : 'no changes'}`,
    );
    for (const c of moved) {
      out.push(`  ${MARK[c.change]} ${c.change} ${c.id}${c.note ? `: ${c.note}` : ''}`);
      const s = secretLine(c);
      if (s) out.push(s);
      if (c.diff) {
        const text = c.diff.replace(/\n$/, '');
        out.push(o.color ? colorizeDiff(text) : text);
      }
    }
    out.push('');
  }
  for (const s of d.skipped) out.push(`skipped ${s.release}: ${s.reason}`);
  if (d.skipped.length) out.push('');
  out.push(summaryTable(d), '');
  const n = d.releases.filter((r) => drifted(r.summary)).length;
  out.push(
    d.drift ? `drift: ${n} release(s) of ${d.env} differ from the cluster` : `no drift: ${d.env} matches the cluster`,
  );
  return d.redactor.redact(`${out.join('\n')}\n`);
}

/** The report for CI: stable JSON, unchanged objects listed without diff. */
export function formatJson(d: EnvironmentDiff): string {
  const doc = {
    env: d.env,
    context: d.context,
    server: d.server,
    drift: d.drift,
    seconds: Number(d.seconds.toFixed(3)),
    summary: d.releases.map((r) => r.summary),
    releases: d.releases.map((r) => ({
      release: r.release,
      namespace: r.namespace,
      live: r.live ?? null,
      summary: r.summary,
      objects: r.objects,
    })),
    skipped: d.skipped,
  };
  return d.redactor.redact(`${JSON.stringify(doc, null, 2)}\n`);
}
