/**
 * Regenerates the Parameters section of every chart README from its documented values.yaml
 * (`## @param` comments, @bitnami/readme-generator-for-helm). With --check nothing is written:
 * exit 1 when any README would change (CI drift check). Library charts have no values table.
 *
 *   pnpm readme:charts            regenerate
 *   pnpm readme:charts --check    fail on drift
 *   pnpm readme:charts core-agents --check
 */
import { execFile } from 'node:child_process';
import { copyFile, mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs, promisify } from 'node:util';

const run = promisify(execFile);
const root = resolve(import.meta.dirname, '..');
const generator = join(root, 'node_modules/.bin/readme-generator');

export interface ChartReadme {
  chart: string;
  values: string;
  readme: string;
}

/** Application charts (not `type: library`) that have a values.yaml and a README.md. */
export async function listCharts(chartsDir = join(root, 'charts')): Promise<ChartReadme[]> {
  const out: ChartReadme[] = [];
  for (const name of (await readdir(chartsDir)).sort()) {
    const dir = join(chartsDir, name);
    const chartYaml = await readFile(join(dir, 'Chart.yaml'), 'utf8').catch(() => undefined);
    if (chartYaml === undefined) continue;
    if (/^type:\s*["']?library["']?\s*$/m.test(chartYaml)) continue;
    const values = join(dir, 'values.yaml');
    const readme = join(dir, 'README.md');
    if (!(await exists(values))) continue;
    if (!(await exists(readme)))
      throw new Error(`charts/${name}: README.md is missing (it needs a "## Parameters" section)`);
    out.push({ chart: name, values, readme });
  }
  return out;
}

async function exists(p: string): Promise<boolean> {
  return stat(p).then(
    () => true,
    () => false,
  );
}

/** Runs the generator on `readme` in place; throws with the generator's errors when the values metadata is wrong. */
export async function generate(values: string, readme: string): Promise<void> {
  try {
    await run(generator, ['--values', values, '--readme', readme], { maxBuffer: 64 * 1024 * 1024 });
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string; message: string };
    const lines = `${err.stdout ?? ''}\n${err.stderr ?? ''}`.split('\n').filter((l) => /ERROR|Error/.test(l));
    throw new Error(`${values}: readme-generator failed\n${lines.join('\n') || err.message}`);
  }
}

/** Whether regenerating would change the README (works on a copy). */
export async function isStale(c: ChartReadme): Promise<boolean> {
  const dir = await mkdtemp(join(tmpdir(), 'readme-charts-'));
  try {
    const copy = join(dir, 'README.md');
    await copyFile(c.readme, copy);
    await generate(c.values, copy);
    return (await readFile(copy, 'utf8')) !== (await readFile(c.readme, 'utf8'));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<number> {
  const { values: flags, positionals } = parseArgs({
    options: { check: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h' } },
    allowPositionals: true,
  });
  if (flags.help) {
    console.log(
      'Usage: pnpm readme:charts [--check] [chart...]\n\n  --check   write nothing; exit 1 if a README is out of date\n\nExit codes: 0 up to date / regenerated, 1 drift or a generator error',
    );
    return 0;
  }
  let charts = await listCharts();
  if (positionals.length > 0) {
    const unknown = positionals.filter((p) => !charts.some((c) => c.chart === p));
    if (unknown.length > 0) {
      console.error(`unknown chart(s): ${unknown.join(', ')} (have ${charts.map((c) => c.chart).join(', ')})`);
      return 2;
    }
    charts = charts.filter((c) => positionals.includes(c.chart));
  }
  let failed = 0;
  for (const c of charts) {
    try {
      if (flags.check) {
        if (await isStale(c)) {
          console.error(`charts/${c.chart}/README.md is out of date: run pnpm readme:charts`);
          failed++;
        } else console.log(`charts/${c.chart}/README.md up to date`);
      } else {
        await generate(c.values, c.readme);
        console.log(`charts/${c.chart}/README.md regenerated`);
      }
    } catch (e) {
      console.error((e as Error).message);
      failed++;
    }
  }
  return failed > 0 ? 1 : 0;
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  process.exitCode = await main();
}
