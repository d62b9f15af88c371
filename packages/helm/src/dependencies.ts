import { readdir, readFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { withLock } from '@kosmos/toolchain';
import { parse } from 'yaml';
import { runHelm } from './run.ts';

interface Dependency {
  name: string;
  version: string;
  repository?: string;
}

async function newestMtime(dir: string): Promise<number> {
  let newest = 0;
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    newest = Math.max(newest, e.isDirectory() ? await newestMtime(p) : (await stat(p)).mtimeMs);
  }
  return newest;
}

const mtime = (p: string) =>
  stat(p).then(
    (s) => s.mtimeMs,
    () => 0,
  );

/** Whether `charts/` holds every dependency, each newer than its local source folder. */
async function upToDate(chartDir: string, deps: Dependency[]): Promise<boolean> {
  const chartYaml = await mtime(join(chartDir, 'Chart.yaml'));
  for (const d of deps) {
    const packaged = await mtime(join(chartDir, 'charts', `${d.name}-${d.version}.tgz`));
    if (packaged === 0 || packaged < chartYaml) return false;
    if (d.repository?.startsWith('file://')) {
      const source = resolve(chartDir, d.repository.slice('file://'.length));
      if (packaged <= (await newestMtime(source))) return false;
    }
  }
  return true;
}

const prepared = new Map<string, Promise<void>>();

/**
 * Vendors a chart's dependencies (`helm dependency build`) when they are missing or older than
 * their sources. The library chart is never committed as a .tgz, so every chart folder needs this
 * before helm can render, lint or package it. Serialised across processes: parallel test files
 * and commands must never see a half-rebuilt charts/ folder.
 */
export function prepareChart(chartDir: string): Promise<void> {
  const dir = resolve(chartDir);
  let p = prepared.get(dir);
  if (!p) {
    p = (async () => {
      const meta = parse(await readFile(join(dir, 'Chart.yaml'), 'utf8')) as { dependencies?: Dependency[] };
      const deps = meta.dependencies ?? [];
      if (deps.length === 0 || (await upToDate(dir, deps))) return;
      const lock = join(tmpdir(), 'kosmos-locks', `helm-deps-${dir.replace(/[^a-zA-Z0-9]+/g, '_')}`);
      await withLock(lock, async () => {
        if (!(await upToDate(dir, deps))) await runHelm(['dependency', 'build', dir, '--skip-refresh']);
      });
    })();
    prepared.set(dir, p);
    p.catch(() => prepared.delete(dir));
  }
  return p;
}
