import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import type { LocalEnv } from '@kosmos/testkit/vitest';
import { parse } from 'yaml';

/**
 * The promote tests' fixture repository (test/fixtures: one chart, promo-app, and dev, staging
 * and production with one release each), copied per test and pointed at the local cluster and
 * registry, with the helpers that install, publish and run the CLI on it. Shared by every
 * promote cluster test file.
 */

export const repo = resolve(import.meta.dirname, '../../..');
export const fixtures = join(import.meta.dirname, 'fixtures');
export const rand = () => randomBytes(4).toString('hex');
export type EnvName = 'dev' | 'staging' | 'production';

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

export function run(bin: string, args: string[], o: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<Run> {
  return new Promise((done) =>
    execFile(bin, args, { cwd: o.cwd ?? repo, env: o.env ?? process.env, maxBuffer: 64 << 20 }, (err, stdout, stderr) =>
      done({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    ),
  );
}

export async function must(bin: string, args: string[]): Promise<string> {
  const r = await run(bin, args);
  if (r.code !== 0) throw new Error(`${bin} ${args.slice(0, 3).join(' ')}: ${r.stderr}`);
  return r.stdout;
}

/** A repository verb as CI runs it, on a fixture repository; no approval and no stand-ins from the caller's shell. */
export function verb(name: string, root: string, args: string[], vars: Record<string, string> = {}): Promise<Run> {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', ...vars };
  delete env.KOSMOS_LOCAL_CLUSTERS;
  if (!('KOSMOS_APPROVE' in vars)) delete env.KOSMOS_APPROVE;
  return run('pnpm', ['--silent', name, '--root', root, ...args], { env });
}

export const promote = (root: string, args: string[], vars: Record<string, string> = {}) =>
  verb('promote', root, args, vars);

/** sha256 of every file under environments/ and charts/: "nothing written" means all equal. */
export function hashes(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else out[relative(root, p)] = createHash('sha256').update(readFileSync(p)).digest('hex');
    }
  };
  walk(join(root, 'environments'));
  walk(join(root, 'charts'));
  return out;
}

/** Replaces text in a file of a fixture root. */
export function edit(root: string, file: string, from: string | RegExp, to: string): void {
  const p = join(root, file);
  const before = readFileSync(p, 'utf8');
  const after = before.replace(from, to);
  if (after === before) throw new Error(`${file}: ${String(from)} not found`);
  writeFileSync(p, after);
}

/** Sets the tree's chart version (Chart.yaml and package.json, as version-charts does). */
export function setTreeVersion(root: string, version: string): void {
  edit(root, 'charts/promo-app/Chart.yaml', /^version: .*$/m, `version: ${version}`);
  edit(root, 'charts/promo-app/package.json', /"version": "[^"]*"/, `"version": "${version}"`);
}

/** Sets an environment's chart pin. */
export function setPin(root: string, env: EnvName, version: string): void {
  edit(
    root,
    `environments/${env}/environment.yaml`,
    /version: \S+ # the fixture chart/,
    `version: ${version} # the fixture chart`,
  );
}

export function fixtureKit(cluster: LocalEnv, ns: Record<EnvName, string>) {
  const roots: string[] = [];
  /** Namespaces of tests that need a target of their own, deleted at the end with the shared ones. */
  const extraNamespaces: string[] = [];

  /** A fresh copy of the fixture repository, pointed at the test cluster, registry and namespaces. */
  function fixtureRoot(o: { namespaces?: Partial<Record<EnvName, string>> } = {}): string {
    const root = mkdtempSync(join(tmpdir(), 'kosmos-promote-'));
    roots.push(root);
    cpSync(fixtures, root, { recursive: true });
    const names = { ...ns, ...o.namespaces };
    extraNamespaces.push(...Object.values(o.namespaces ?? {}));
    for (const env of ['dev', 'staging', 'production'] as const) {
      for (const f of ['environment.yaml', 'values/app.yaml']) {
        const p = join(root, 'environments', env, f);
        writeFileSync(
          p,
          readFileSync(p, 'utf8')
            .replace('KUBECONFIG_PATH', cluster.kubeconfig)
            .replaceAll('REGISTRY', cluster.registry)
            .replace(`NS_${env}`, names[env]),
        );
      }
    }
    return root;
  }

  const helm = (args: string[]) => must(cluster.helm, [...args, '--kubeconfig', cluster.kubeconfig]);
  const kubectl = (args: string[]) => must(cluster.kubectl, ['--kubeconfig', cluster.kubeconfig, ...args]);

  /** Packages the fixture chart at a version (optionally with other templates) and pushes it. */
  async function publish(version: string, change?: (dir: string) => void): Promise<void> {
    const dir = mkdtempSync(join(tmpdir(), 'kosmos-promo-chart-'));
    try {
      cpSync(join(fixtures, 'charts/promo-app'), join(dir, 'promo-app'), { recursive: true });
      const chartFile = join(dir, 'promo-app/Chart.yaml');
      writeFileSync(chartFile, readFileSync(chartFile, 'utf8').replace(/^version: .*$/m, `version: ${version}`));
      change?.(join(dir, 'promo-app'));
      await must(cluster.helm, ['package', join(dir, 'promo-app'), '--destination', dir]);
      await must(cluster.helm, [
        'push',
        join(dir, `promo-app-${version}.tgz`),
        `oci://${cluster.registry}/charts`,
        '--plain-http',
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  /** The namespace an environment's release is in, as its file says. */
  function namespaceOf(root: string, env: EnvName): string {
    const e = parse(readFileSync(join(root, 'environments', env, 'environment.yaml'), 'utf8')) as {
      releases: { namespace: string }[];
    };
    return String(e.releases[0]?.namespace);
  }

  /** Installs an environment's release as its files say (the deploy library's job in real use). */
  async function install(root: string, env: EnvName, namespace = namespaceOf(root, env)): Promise<void> {
    const e = parse(readFileSync(join(root, 'environments', env, 'environment.yaml'), 'utf8')) as {
      releases: { version: string }[];
    };
    const version = String(e.releases[0]?.version);
    const chart =
      version === 'tree'
        ? [join(root, 'charts/promo-app')]
        : [`oci://${cluster.registry}/charts/promo-app`, '--version', version, '--plain-http'];
    await helm([
      'upgrade',
      '--install',
      'app',
      ...chart,
      '--namespace',
      namespace,
      '--create-namespace',
      '--values',
      join(root, 'environments', env, 'values/app.yaml'),
      '--server-side=true',
      '--wait=watcher',
      '--timeout',
      '120s',
    ]);
  }

  /** Removes the fixture roots and deletes every namespace used (without waiting). */
  async function cleanup(): Promise<void> {
    for (const r of roots) rmSync(r, { recursive: true, force: true });
    for (const n of [...Object.values(ns), ...extraNamespaces])
      await run(cluster.kubectl, ['--kubeconfig', cluster.kubeconfig, 'delete', 'namespace', n, '--wait=false']);
  }

  return { fixtureRoot, helm, kubectl, publish, install, namespaceOf, cleanup };
}

/** Each gate's result as the plan printed it. */
export const gates = (r: Run) =>
  Object.fromEntries([...r.stdout.matchAll(/^ {2}(pass|REFUSED|warning|skip) +([a-z-]+) /gm)].map((m) => [m[2], m[1]]));

export const refused = (r: Run) =>
  Object.entries(gates(r))
    .filter(([, v]) => v === 'REFUSED')
    .map(([k]) => k);
