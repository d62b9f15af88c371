import { showRef } from './k8s.ts';
import type { LintReport } from './lint.ts';
import type { Finding, RuleInfo, Severity } from './types.ts';

export type Format = 'text' | 'json' | 'sarif';

export function counts(fs: readonly Finding[]): Record<Severity, number> {
  const c: Record<Severity, number> = { error: 0, warning: 0, note: 0 };
  for (const f of fs) c[f.severity]++;
  return c;
}

export function objectsPerSecond(r: LintReport): number {
  return r.checkSeconds > 0 ? Math.round(r.objects / r.checkSeconds) : 0;
}

const plural = (n: number, w: string) => `${n} ${w}${n === 1 ? '' : 's'}`;

export function summaryLine(r: LintReport): string {
  const c = counts(r.findings);
  return `${plural(c.error, 'error')}, ${plural(c.warning, 'warning')} in ${plural(r.objects, 'object')} (${objectsPerSecond(r)} objects/s)`;
}

function where(f: Finding): string {
  return `${f.file}${f.line ? `:${f.line}${f.col ? `:${f.col}` : ''}` : ''}`;
}

/** For people: grouped by environment and release, then the summary line. */
export function formatText(r: LintReport): string {
  const lines: string[] = [];
  let env: string | undefined;
  let release: string | undefined;
  for (const f of r.findings) {
    if (f.env !== env) {
      env = f.env;
      release = undefined;
      lines.push(`${env ?? '(no environment)'}`);
    }
    if (f.release !== release || release === undefined) {
      if (f.release !== release) lines.push(`  ${f.release ?? '(environment)'}`);
      release = f.release;
    }
    const obj = f.object ? `${showRef(f.object)}: ` : '';
    lines.push(`    ${f.severity.padEnd(7)} ${f.ruleId.padEnd(28)} ${obj}${f.message}`);
    lines.push(`            at ${where(f)}`);
  }
  for (const s of r.skipped) lines.push(`skipped ${s.env}/${s.release}: ${s.reason}`);
  lines.push(summaryLine(r));
  return `${lines.join('\n')}\n`;
}

export function formatJson(r: LintReport): string {
  const c = counts(r.findings);
  return `${JSON.stringify(
    {
      environments: r.envs,
      summary: {
        errors: c.error,
        warnings: c.warning,
        notes: c.note,
        objects: r.objects,
        objectsPerSecond: objectsPerSecond(r),
      },
      findings: r.findings,
      skipped: r.skipped,
    },
    null,
    2,
  )}\n`;
}

/**
 * SARIF 2.1.0 for GitHub code scanning. Locations are repository-relative (`%SRCROOT%`); a
 * finding on a rendered object points at the chart template that produced it (from helm's
 * `# Source:` line) and names environment, release and object in its message, since one template
 * renders different objects per environment; a region is given only when the line is known.
 */
export function formatSarif(r: LintReport, rules: readonly RuleInfo[]): string {
  const index = new Map(rules.map((x, i) => [x.id, i]));
  const sarif = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'kosmos-lint',
            informationUri: 'https://github.com/kosmos-platform/kosmos-platform',
            version: '0.1.0',
            rules: rules.map((x) => ({
              id: x.id,
              name: x.id.replace(/(^|-)(\w)/g, (_m, _d, ch: string) => ch.toUpperCase()),
              shortDescription: { text: x.description },
              fullDescription: { text: x.description },
              defaultConfiguration: { level: x.severity },
              properties: { tags: ['kubernetes', 'helm'] },
            })),
          },
        },
        originalUriBaseIds: { '%SRCROOT%': { uri: 'file:///' } },
        results: r.findings.map((f) => {
          const context = [f.env, f.release].filter(Boolean).join('/');
          const text = `${context ? `[${context}] ` : ''}${f.object ? `${showRef(f.object)}: ` : ''}${f.message}`;
          return {
            ruleId: f.ruleId,
            ...(index.has(f.ruleId) ? { ruleIndex: index.get(f.ruleId) } : {}),
            level: f.severity,
            message: { text },
            locations: [
              {
                physicalLocation: {
                  artifactLocation: { uri: f.file, uriBaseId: '%SRCROOT%' },
                  ...(f.line ? { region: { startLine: f.line, ...(f.col ? { startColumn: f.col } : {}) } } : {}),
                },
              },
            ],
          };
        }),
      },
    ],
  };
  return `${JSON.stringify(sarif, null, 2)}\n`;
}

export function format(r: LintReport, fmt: Format, rules: readonly RuleInfo[]): string {
  return fmt === 'json' ? formatJson(r) : fmt === 'sarif' ? formatSarif(r, rules) : formatText(r);
}
