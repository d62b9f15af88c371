/**
 * The fleet flow with a real Argo CD v3.2.11 (repo server, application and ApplicationSet
 * controllers, Debian's redis) on the shared local cluster as its control plane, and two more
 * local clusters standing in for two production sites, registered as Argo CD clusters labelled
 * `environment: production`. Charts come from the real local registry.
 *
 * Kept small for 2 cores: two releases, the platform chart (namespaces, quotas, policies: what
 * every site needs first) and a one-Deployment app that needs it, rather than the whole stack.
 */
import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import {
  type ArgoCd,
  down,
  killNow,
  kubectl,
  pushTestImages,
  registerArgoCluster,
  registerArgoOciRepos,
  startArgoCd,
  type UpResult,
  up,
} from '@kosmos/testkit';
import { localCluster } from '@kosmos/testkit/vitest';
import { ensure } from '@kosmos/toolchain';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const repo = resolve(import.meta.dirname, '../..');
const appChart = join(repo, 'packages/promote/test/fixtures/charts/promo-app');
const hub = localCluster();
const work = mkdtempSync(join(tmpdir(), 'kosmos-fleet-'));
const root = join(work, 'repo');
const SITES = ['site-a', 'site-b'] as const;
const sites = new Map<string, UpResult>();
let argo: ArgoCd | undefined;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}
function run(bin: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<Run> {
  return new Promise((done) =>
    execFile(bin, args, { cwd: repo, env, maxBuffer: 64 << 20 }, (err, stdout, stderr) =>
      done({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    ),
  );
}
async function must(bin: string, args: string[]): Promise<string> {
  const r = await run(bin, args);
  if (r.code !== 0) throw new Error(`${bin} ${args.slice(0, 3).join(' ')}: ${r.stderr}`);
  return r.stdout;
}
/** A command of ours, as a user runs it, on the test's repository. */
function cli(verb: string, args: string[]): Promise<Run> {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
  delete env.KOSMOS_LOCAL_CLUSTERS;
  delete env.KOSMOS_APPROVE;
  return run('pnpm', ['--silent', verb, '--root', root, ...args], env);
}
const onHub = (args: string[], input?: string) => kubectl(hub.kubectl, hub.kubeconfig, args, input);

/** Packages a chart folder (its file:// dependencies built first) and pushes it to the local registry. */
async function publish(dir: string, version?: string): Promise<void> {
  const tmp = mkdtempSync(join(work, 'chart-'));
  const name = parse(readFileSync(join(dir, 'Chart.yaml'), 'utf8')).name as string;
  cpSync(dir, join(tmp, name), { recursive: true, filter: (p) => !p.includes('node_modules') });
  // The platform chart vendors the library from ../common.
  cpSync(join(repo, 'charts/common'), join(tmp, 'common'), {
    recursive: true,
    filter: (p) => !p.includes('node_modules'),
  });
  const chartFile = join(tmp, name, 'Chart.yaml');
  if (version)
    writeFileSync(chartFile, readFileSync(chartFile, 'utf8').replace(/^version: .*$/m, `version: ${version}`));
  await must(hub.helm, ['dependency', 'build', join(tmp, name)]);
  await must(hub.helm, ['package', join(tmp, name), '--destination', tmp]);
  const v = version ?? (parse(readFileSync(chartFile, 'utf8')).version as string);
  await must(hub.helm, ['push', join(tmp, `${name}-${v}.tgz`), `oci://${hub.registry}/charts`, '--plain-http']);
}

/** The ApplicationSet `pnpm render --for argocd` writes, applied to Argo CD's cluster. */
async function handToArgo(): Promise<string> {
  const out = join(work, `render-${Date.now()}`);
  const r = await cli('render', ['--env', 'production', '--for', 'argocd', '--out', out]);
  expect(r.stderr + r.stdout).not.toMatch(/error/i);
  expect(r.code).toBe(0);
  const file = join(out, 'applicationset.yaml');
  await onHub(['apply', '--server-side', '--field-manager=kosmos-fleet-test', '-f', file]);
  return readFileSync(file, 'utf8');
}

interface App {
  metadata: { name: string };
  status?: {
    sync?: { status?: string };
    health?: { status?: string };
    history?: { source?: { targetRevision?: string } }[];
  };
}
async function applications(): Promise<App[]> {
  const list = JSON.parse(
    await onHub([
      'get',
      'applications.argoproj.io',
      '-n',
      'argocd',
      '-l',
      'kosmos.dev/environment=production',
      '-o',
      'json',
    ]),
  ) as { items: App[] };
  return list.items;
}
const settled = (a: App | undefined, version: string) =>
  a?.status?.sync?.status === 'Synced' &&
  a.status.health?.status === 'Healthy' &&
  a.status.history?.at(-1)?.source?.targetRevision === version;

/** Waits until every site runs every release at its version, Synced and Healthy; returns the seconds it took. */
async function converged(want: Record<string, string>, timeoutMs = 240_000): Promise<number> {
  const started = Date.now();
  let last: App[] = [];
  while (Date.now() - started < timeoutMs) {
    last = await applications();
    const ok = SITES.every((s) =>
      Object.entries(want).every(([release, v]) =>
        settled(
          last.find((a) => a.metadata.name === `${s}-${release}`),
          v,
        ),
      ),
    );
    if (ok) return (Date.now() - started) / 1000;
    await new Promise((r) => setTimeout(r, 1000));
  }
  const seen = last.map(
    (a) =>
      `${a.metadata.name}: ${a.status?.sync?.status}/${a.status?.health?.status} ${a.status?.history?.at(-1)?.source?.targetRevision}`,
  );
  throw new Error(`not converged to ${JSON.stringify(want)}: ${seen.join('; ')}\n${await argo?.tail(10)}`);
}

function environments(): void {
  const envDir = (n: string) => join(root, 'environments', n);
  for (const n of ['staging', 'production', 'edge'])
    cpSync(join(repo, 'environments/production/values/platform.yaml'), join(envDir(n), 'values/platform.yaml'));
  // Image pins as promotion moves them: the tag, and the digest the registry resolves it to.
  for (const n of ['staging', 'production', 'edge'])
    writeFileSync(
      join(envDir(n), 'values/app.yaml'),
      `image:\n  registry: ${hub.registry}\n  repository: kosmos-test/promo-app\n  tag: v1\n  digest: ""\ngreeting: hello from ${n}\n`,
    );
  const releases = (platform: string, app: string) => `releases:
  - { name: platform, namespace: kube-system, chart: platform, version: ${platform}, values: [values/platform.yaml] }
  - name: app
    namespace: fleet-app
    chart: promo-app
    version: ${app}
    values: [values/app.yaml]
    needs: [platform]
`;
  const head = (n: string) => `name: ${n}\nkubernetesVersion: 1.36.3\nregistry: oci://${hub.registry}/charts\n`;
  writeFileSync(
    join(envDir('staging'), 'environment.yaml'),
    `${head('staging')}cluster: { context: kosmos-local, kubeconfig: ${hub.kubeconfig} }\n${releases('0.2.0', '0.2.0')}`,
  );
  writeFileSync(
    join(envDir('production'), 'environment.yaml'),
    `${head('production')}promotesFrom: staging
clusters:
${SITES.map((s) => `  - name: ${s}\n    labels: { site: ${s} }\n    context: kosmos-local\n    kubeconfig: ${sites.get(s)?.kubeconfig}\n`).join('')}argocd:
  namespace: argocd
  controlPlane: { context: kosmos-local, kubeconfig: ${hub.kubeconfig} }
  prune: true
  selfHeal: true
${releases('0.2.0', '0.1.0')}`,
  );
  // A next environment whose promotions require production's health: the gate reads the fleet.
  writeFileSync(
    join(envDir('edge'), 'environment.yaml'),
    `${head('edge')}promotesFrom: production
cluster: { context: kosmos-local, kubeconfig: ${hub.kubeconfig} }
gates: { sourceHealthy: true }
${releases('0.2.0', '0.1.0')}`,
  );
}

beforeAll(async () => {
  await mkdir(join(root, 'charts'), { recursive: true });
  for (const n of ['staging', 'production', 'edge'])
    await mkdir(join(root, 'environments', n, 'values'), { recursive: true });
  cpSync(join(repo, 'charts/platform'), join(root, 'charts/platform'), {
    recursive: true,
    filter: (p) => !p.includes('node_modules'),
  });
  cpSync(join(repo, 'charts/common'), join(root, 'charts/common'), {
    recursive: true,
    filter: (p) => !p.includes('node_modules'),
  });
  cpSync(appChart, join(root, 'charts/promo-app'), { recursive: true });
  // promo-app 0.1.0 and 0.2.0, each saying in a ConfigMap which chart version rendered it.
  const tpl = join(root, 'charts/promo-app/templates/all.yaml');
  writeFileSync(
    tpl,
    readFileSync(tpl, 'utf8').replace(
      'data:\n  greeting:',
      'data:\n  chartVersion: {{ .Chart.Version | quote }}\n  greeting:',
    ),
  );
  const [a, b] = await Promise.all(
    SITES.map((s) => up({ stateDir: join(work, s), registry: hub.registry, log: () => {}, timeoutMs: 180_000 })),
  );
  sites.set('site-a', a as UpResult);
  sites.set('site-b', b as UpResult);
  // `up` starts daemons that outlive us; an interrupted run must not leave the sites running.
  process.once('exit', () => {
    for (const s of sites.values()) for (const d of s.daemons) killNow(d);
  });
  environments();
  await pushTestImages({
    registry: hub.registry,
    crane: await ensure('crane'),
    images: [{ repository: 'kosmos-test/promo-app', tag: 'v1' }],
  });
  await publish(join(root, 'charts/platform'));
  await publish(join(root, 'charts/promo-app'), '0.1.0');
  await publish(join(root, 'charts/promo-app'), '0.2.0');
  argo = await startArgoCd({
    kubeconfig: hub.kubeconfig,
    kubectl: hub.kubectl,
    dir: join(work, 'argocd'),
    reconciliation: '10s',
  });
  for (const s of SITES)
    await registerArgoCluster({
      kubectl: hub.kubectl,
      kubeconfig: hub.kubeconfig,
      name: s,
      siteKubeconfig: sites.get(s)?.kubeconfig as string,
      labels: { environment: 'production', site: s },
    });
  await registerArgoOciRepos({
    kubectl: hub.kubectl,
    kubeconfig: hub.kubeconfig,
    urls: ['platform', 'promo-app'].map((c) => `oci://${hub.registry}/charts/${c}`),
  });
}, 900_000);

afterAll(async () => {
  await onHub(['delete', 'applicationsets.argoproj.io', '--all', '-n', 'argocd', '--wait=false']).catch(() => {});
  await argo?.stop();
  for (const s of SITES) await down({ stateDir: join(work, s) }).catch(() => {});
  await onHub(['delete', 'namespace', 'argocd', '--wait=false']).catch(() => {});
  rmSync(work, { recursive: true, force: true });
});

/** The fleet rows of `pnpm status --env production --json`. */
async function fleetStatus(): Promise<{
  code: number;
  env: {
    error?: string;
    releases: { release: string; deployed: string | null; health: string }[];
    clusters: {
      cluster: string;
      reachable: boolean;
      releases: { release: string; deployed: string | null; sync: string | null; health: string | null }[];
    }[];
  };
  text: string;
}> {
  const r = await cli('status', ['--env', 'production', '--json']);
  const env = (JSON.parse(r.stdout) as { environments: never[] }).environments[0] as never;
  const text = await cli('status', ['--env', 'production']);
  return { code: r.code, env, text: text.stdout };
}

describe('an environment handed to Argo CD: two production sites', () => {
  it('the rendered ApplicationSet deploys the released charts to both sites, every Application Synced and Healthy', async () => {
    const set = await handToArgo();
    expect(set).toContain('kind: ApplicationSet');
    await converged({ platform: '0.2.0', app: '0.1.0' });
    // On each site itself: the platform's namespaces and the app's ConfigMap of chart 0.1.0.
    for (const s of SITES) {
      const k = (args: string[]) => kubectl(hub.kubectl, sites.get(s)?.kubeconfig as string, args);
      expect(
        await k([
          'get',
          'namespace',
          'kosmos-core',
          '-o',
          'jsonpath={.metadata.labels.pod-security\\.kubernetes\\.io/enforce}',
        ]),
      ).toBe('restricted');
      expect(
        await k(['get', 'configmap', 'app-config', '-n', 'fleet-app', '-o', 'jsonpath={.data.chartVersion}']),
      ).toBe('0.1.0');
    }
    const st = await fleetStatus();
    expect(st.code).toBe(0);
    expect(st.env.clusters.map((c) => c.cluster)).toEqual(['site-a', 'site-b']);
    for (const c of st.env.clusters)
      expect(c.releases).toEqual([
        expect.objectContaining({ release: 'platform', deployed: '0.2.0', sync: 'Synced', health: 'Healthy' }),
        expect.objectContaining({ release: 'app', deployed: '0.1.0', sync: 'Synced', health: 'Healthy' }),
      ]);
    expect(st.text).toMatch(/production\s+site-a \(default\)\s+app\s+0\.1\.0\s+Synced\s+Healthy\s+no/);
    expect(st.text).toMatch(/production\s+site-b\s+app\s+0\.1\.0\s+Synced\s+Healthy\s+no/);
  });

  it('a promotion changes one pin; Argo CD brings both sites to it; status shows both before and after', async () => {
    const before = await fleetStatus();
    expect(before.env.releases.find((r) => r.release === 'app')).toMatchObject({ deployed: '0.1.0', health: 'ready' });
    const p = await cli('promote', ['--from', 'staging', '--to', 'production']);
    expect(p.code, p.stdout + p.stderr).toBe(0);
    expect(readFileSync(join(root, 'environments/production/environment.yaml'), 'utf8')).toMatch(
      /version: 0\.2\.0\n\s+values: \[values\/app\.yaml\]/,
    );
    const started = Date.now();
    await handToArgo();
    const seconds = await converged({ platform: '0.2.0', app: '0.2.0' });
    const total = (Date.now() - started) / 1000;
    process.stderr.write(
      `fleet: two sites converged ${seconds.toFixed(1)}s after the new ApplicationSet (${total.toFixed(1)}s with render and apply)\n`,
    );
    for (const s of SITES)
      expect(
        await kubectl(hub.kubectl, sites.get(s)?.kubeconfig as string, [
          'get',
          'configmap',
          'app-config',
          '-n',
          'fleet-app',
          '-o',
          'jsonpath={.data.chartVersion}',
        ]),
      ).toBe('0.2.0');
    const after = await fleetStatus();
    expect(after.code).toBe(0);
    for (const c of after.env.clusters)
      expect(c.releases.find((r) => r.release === 'app')).toMatchObject({
        deployed: '0.2.0',
        sync: 'Synced',
        health: 'Healthy',
      });
    expect(after.env.releases.find((r) => r.release === 'app')).toMatchObject({ deployed: '0.2.0', health: 'ready' });
  });

  it('an unreachable site shows in status and blocks a promotion that requires source health, naming the site', async () => {
    await down({ stateDir: join(work, 'site-b') });
    const st = await fleetStatus();
    expect(st.code).toBe(1);
    expect(st.env.clusters.find((c) => c.cluster === 'site-b')).toMatchObject({ reachable: false });
    expect(st.env.clusters.find((c) => c.cluster === 'site-a')).toMatchObject({ reachable: true });
    expect(st.env.error).toMatch(/^cluster site-b is unreachable \(/);
    expect(st.text).toMatch(/production\s+site-b\s+app\s+\S+\s+unreachable\s+unreachable/);
    const p = await cli('promote', ['--from', 'production', '--to', 'edge']);
    expect(p.code, p.stdout + p.stderr).toBe(3);
    expect(p.stdout + p.stderr).toMatch(/source-healthy.*cluster site-b is unreachable/);
  });
});
