import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { EXIT, UserError } from '@kosmos/cli';
import semver from 'semver';
import { LineCounter, parseDocument } from 'yaml';

/** A chart of the tree, as release and version-charts see it. */
export interface TreeChart {
  /** Chart.yaml `name` (`kosmos-common`, `core-agents`): the OCI repository and git tag use it. */
  name: string;
  version: string;
  /** Absolute folder. */
  dir: string;
  /** `application` or `library` */
  type: string;
  /** Charts of this tree it depends on (`file://` dependencies), by chart name. */
  localDependencies: { name: string; version: string; line: number }[];
}

/** Reads `charts/<dir>/Chart.yaml` of every chart, libraries first (a chart after what it vendors). */
export function treeCharts(root: string): TreeChart[] {
  const chartsDir = join(root, 'charts');
  if (!existsSync(chartsDir))
    throw new UserError(`${chartsDir}: no charts folder (is --root the repository?)`, EXIT.usage);
  const out: TreeChart[] = [];
  for (const d of readdirSync(chartsDir, { withFileTypes: true })) {
    const file = join(chartsDir, d.name, 'Chart.yaml');
    if (!d.isDirectory() || !existsSync(file)) continue;
    out.push(readChart(root, file));
  }
  return dependencyOrder(out);
}

export function readChart(root: string, file: string): TreeChart {
  const where = relative(root, file);
  const lc = new LineCounter();
  const doc = parseDocument(readFileSync(file, 'utf8'), { keepSourceTokens: false, lineCounter: lc });
  if (doc.errors.length > 0) throw new UserError(`${where}: ${doc.errors[0]?.message.split('\n')[0]}`, EXIT.usage);
  const meta = doc.toJS() as {
    name?: unknown;
    version?: unknown;
    type?: unknown;
    dependencies?: { name?: unknown; version?: unknown; repository?: unknown }[];
  };
  if (typeof meta?.name !== 'string' || meta.name === '')
    throw new UserError(`${where}: name: expected the chart's name`, EXIT.usage);
  // Checked before anything is packaged or asked of a registry: helm and the registry would
  // refuse it later, naming neither the file nor the line.
  if (typeof meta.version !== 'string' || !semver.valid(meta.version)) {
    const node = doc.get('version', true) as { range?: [number, number, number] } | undefined;
    const pos = lc.linePos(node?.range?.[0] ?? 0);
    const got = meta.version === undefined ? 'nothing' : JSON.stringify(String(meta.version));
    const hint = typeof meta.version === 'number' ? ' (YAML read a number: write all three parts)' : '';
    throw new UserError(
      `${where}:${pos.line}:${pos.col}: version: expected a semantic version MAJOR.MINOR.PATCH (like 0.2.0), got ${got}${hint}`,
      EXIT.usage,
    );
  }
  const dir = resolve(file, '..');
  const lines = readFileSync(file, 'utf8').split('\n');
  const localDependencies = (meta.dependencies ?? [])
    .filter((x) => typeof x.repository === 'string' && x.repository.startsWith('file://'))
    .map((x) => {
      const folder = resolve(dir, String(x.repository).slice('file://'.length));
      const dep = parseDocument(readFileSync(join(folder, 'Chart.yaml'), 'utf8')).toJS() as { name?: string };
      const line = lines.findIndex((l) => new RegExp(`^\\s*-?\\s*name:\\s*${String(x.name)}\\s*$`).test(l)) + 1;
      return { name: dep.name ?? String(x.name), version: String(x.version ?? ''), line };
    });
  return { name: meta.name, version: meta.version, dir, type: String(meta.type ?? 'application'), localDependencies };
}

/** Stable order: dependencies before dependents, otherwise by name. */
export function dependencyOrder(charts: TreeChart[]): TreeChart[] {
  const byName = new Map(charts.map((c) => [c.name, c]));
  const done = new Set<string>();
  const out: TreeChart[] = [];
  const visit = (c: TreeChart, stack: string[]) => {
    if (done.has(c.name)) return;
    if (stack.includes(c.name))
      throw new UserError(`charts depend on each other in a cycle: ${[...stack, c.name].join(' → ')}`, EXIT.usage);
    for (const d of c.localDependencies) {
      const dep = byName.get(d.name);
      if (dep) visit(dep, [...stack, c.name]);
    }
    done.add(c.name);
    out.push(c);
  };
  for (const c of [...charts].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) visit(c, []);
  return out;
}
