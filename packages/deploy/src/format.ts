import type { DeployEvent, DeployResult, ReleaseResult } from './deploy.ts';
import type { UnreadyObject } from './health.ts';
import type { DeployPlan } from './plan.ts';
import type { DeployTarget } from './target.ts';

const quote = (a: string) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`);

/** The plan for people: where it goes, then each wave's releases with their exact helm command. */
export function formatPlan(plan: DeployPlan, target: DeployTarget): string {
  const lines = [
    `deploy ${plan.env}`,
    `  cluster:  ${target.clusterLabel}`,
    `  registry: ${plan.registry ?? '(none)'}`,
    `  timeout:  ${plan.timeout} per release`,
  ];
  for (const r of plan.required)
    lines.push(
      `  requires ${r.name} ${r.version} already deployed (needed by ${r.neededBy.join(', ')}; checked when deploying)`,
    );
  plan.waves.forEach((wave, w) => {
    lines.push(`wave ${w + 1}/${plan.waves.length}:`);
    for (const r of wave) {
      const from = r.chart.kind === 'tree' ? ` (version: tree, ${r.version} from the tree)` : '';
      lines.push(`  ${r.name}${from}`);
      lines.push(`    helm ${r.args.map(quote).join(' ')}`);
    }
  });
  for (const s of plan.skipped) lines.push(`skipped ${s.name}: ${s.reason}`);
  return `${lines.join('\n')}\n`;
}

/** One progress line per event, for stderr. */
export function formatEvent(e: DeployEvent): string | undefined {
  switch (e.type) {
    case 'start':
      return `deploy ${e.env} to ${e.cluster}; charts from ${e.registry ?? '(no registry)'}; ${e.waves.length} wave(s)${e.skipped.length ? `; skipped: ${e.skipped.join(', ')}` : ''}`;
    case 'wave':
      return `wave ${e.wave + 1}/${e.of}: ${e.releases.join(', ')}`;
    case 'release-start':
      return `  ${e.release}: helm upgrade --install ${e.version} from ${e.chart}`;
    case 'release-done':
      return [`  ${releaseLine(e.result)}`, ...e.result.unready.map((u) => `    not Ready: ${unreadyLine(u)}`)].join(
        '\n',
      );
    case 'health':
      return `  wave ${e.wave + 1} health: ${e.ok ? 'ready' : 'FAILED'} (${e.seconds}s)${e.unchecked.map((u) => `\n    not checked: ${u.kind} ${u.namespace}/${u.name}: ${u.reason}`).join('')}`;
    case 'rollback':
      return `  ${e.release}: ${e.action}`;
  }
}

const unreadyLine = (u: UnreadyObject) => `${u.kind} ${u.namespace}/${u.name}: ${u.reason}`;

function releaseLine(r: ReleaseResult): string {
  switch (r.outcome) {
    case 'deployed':
      return `${r.name}: deployed ${r.version} (revision ${r.revision ?? '?'}) in ${r.seconds}s`;
    case 'failed':
      return `${r.name}: FAILED after ${r.seconds}s: ${r.error ?? ''}${r.rolledBack ? `; ${r.rolledBack}` : ''}`;
    case 'skipped':
      return `${r.name}: skipped: ${r.reason ?? ''}`;
    case 'not-started':
      return `${r.name}: not started (an earlier wave failed)`;
    case 'planned':
      return `${r.name}: planned ${r.version}`;
  }
}

/** The summary for people (stdout): one line per release, then what failed and why. */
export function formatResult(r: DeployResult): string {
  const lines = r.releases.map((x) => releaseLine(x));
  if (r.failed) {
    lines.push('');
    lines.push(`deploy ${r.env} failed: release ${r.failed.release}: ${r.failed.error}`);
    for (const u of r.failed.unready) lines.push(`  not Ready: ${unreadyLine(u)}`);
    const untouched = r.releases.filter((x) => x.outcome === 'not-started').map((x) => x.name);
    if (untouched.length) lines.push(`  not started: ${untouched.join(', ')}`);
  } else if (!r.dryRun) {
    lines.push(
      '',
      `deploy ${r.env}: ${r.releases.filter((x) => x.outcome === 'deployed').length} release(s) deployed in ${r.seconds}s`,
    );
  }
  return `${lines.join('\n')}\n`;
}
