import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { isMap, isSeq, LineCounter, parseDocument, type Node as YamlNode } from 'yaml';
import type { Finding, RuleInfo } from './types.ts';

export const CHART_PACKAGE: RuleInfo = {
  id: 'chart-package',
  severity: 'error',
  description:
    "A chart's package.json (what changesets versions) agrees with its Chart.yaml: same version, and each vendored tree chart declared as a `workspace:` dependency at the version Chart.yaml pins.",
};

interface Loaded {
  dir: string;
  chartFile: string;
  pkgFile: string;
  name?: string;
  version?: string;
  versionLine?: number;
  deps: { name: string; version: string; repository: string; line?: number }[];
  pkg: { name?: string; version?: string; dependencies?: Record<string, string> };
  pkgLines: string[];
}

const lineOf = (lc: LineCounter, n: YamlNode | null | undefined): number | undefined =>
  n?.range ? lc.linePos(n.range[0]).line : undefined;

const pkgLine = (lines: string[], key: string): number | undefined => {
  const i = lines.findIndex((l) => l.includes(`"${key}"`));
  return i < 0 ? undefined : i + 1;
};

/**
 * Chart.yaml and package.json of every chart, compared: changesets bumps package.json,
 * `pnpm version-charts` carries the bump into Chart.yaml; a hand edit of one of them is caught
 * here with the file and line to fix.
 */
export function checkChartPackages(root: string): Finding[] {
  const chartsDir = join(root, 'charts');
  if (!existsSync(chartsDir)) return [];
  const loaded: Loaded[] = [];
  const out: Finding[] = [];
  const finding = (file: string, line: number | undefined, message: string): Finding => ({
    ruleId: CHART_PACKAGE.id,
    severity: 'error',
    file: relative(root, file),
    ...(line ? { line } : {}),
    message,
  });
  for (const d of readdirSync(chartsDir, { withFileTypes: true })) {
    const dir = join(chartsDir, d.name);
    const chartFile = join(dir, 'Chart.yaml');
    const pkgFile = join(dir, 'package.json');
    if (!d.isDirectory() || !existsSync(chartFile)) continue;
    if (!existsSync(pkgFile)) {
      out.push(
        finding(chartFile, undefined, 'no package.json beside Chart.yaml: changesets cannot version this chart'),
      );
      continue;
    }
    const text = readFileSync(pkgFile, 'utf8');
    let pkg: Loaded['pkg'];
    try {
      pkg = JSON.parse(text) as Loaded['pkg'];
    } catch (e) {
      out.push(finding(pkgFile, undefined, `not JSON: ${(e as Error).message}`));
      continue;
    }
    const lc = new LineCounter();
    const doc = parseDocument(readFileSync(chartFile, 'utf8'), { lineCounter: lc });
    if (doc.errors.length > 0 || !isMap(doc.contents)) continue; // helm lint reports a broken Chart.yaml
    const deps: Loaded['deps'] = [];
    const seq = doc.get('dependencies', true);
    if (isSeq(seq)) {
      for (const item of seq.items) {
        if (!isMap(item)) continue;
        const repository = item.get('repository');
        if (typeof repository !== 'string' || !repository.startsWith('file://')) continue;
        deps.push({
          name: String(item.get('name')),
          version: String(item.get('version') ?? ''),
          repository,
          line: lineOf(lc, item.get('version', true) as YamlNode | undefined) ?? lineOf(lc, item as YamlNode),
        });
      }
    }
    const version = doc.get('version');
    loaded.push({
      dir,
      chartFile,
      pkgFile,
      ...(typeof doc.get('name') === 'string' ? { name: doc.get('name') as string } : {}),
      ...(version !== undefined ? { version: String(version) } : {}),
      ...(lineOf(lc, doc.get('version', true) as YamlNode)
        ? { versionLine: lineOf(lc, doc.get('version', true) as YamlNode) }
        : {}),
      deps,
      pkg,
      pkgLines: text.split('\n'),
    });
  }
  const byDir = new Map(loaded.map((l) => [l.dir, l]));
  for (const c of loaded) {
    if (c.pkg.version !== c.version)
      out.push(
        finding(
          c.chartFile,
          c.versionLine,
          `version ${c.version} differs from ${relative(root, c.pkgFile)} version ${c.pkg.version} (bump with pnpm changeset, then pnpm version-charts)`,
        ),
      );
    for (const dep of c.deps) {
      const target = byDir.get(resolve(c.dir, dep.repository.slice('file://'.length)));
      if (!target?.pkg.name) continue;
      if (dep.version !== target.version)
        out.push(
          finding(
            c.chartFile,
            dep.line,
            `dependencies: ${dep.name} version ${dep.version} differs from ${relative(root, target.chartFile)} version ${target.version}`,
          ),
        );
      const declared = c.pkg.dependencies?.[target.pkg.name];
      const want = `workspace:${target.version}`;
      if (declared !== want)
        out.push(
          finding(
            c.pkgFile,
            pkgLine(c.pkgLines, target.pkg.name) ?? pkgLine(c.pkgLines, 'name'),
            declared === undefined
              ? `dependencies: expected "${target.pkg.name}": "${want}" (the chart vendors ${dep.name}; a bump of it must bump this chart)`
              : `dependencies: "${target.pkg.name}" is "${declared}", expected "${want}" (the version ${relative(root, target.chartFile)} has)`,
          ),
        );
    }
  }
  return out;
}
