/**
 * pnpm release against a real OCI registry with the real helm: each test publishes under its own
 * path of the shared registry (or its own registry process), from a throwaway copy of the charts.
 */
import { execFile, execFileSync, spawn } from 'node:child_process';
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packageChart, prepareChart, pushChart, runHelm } from '@kosmos/helm';
import { chartRepository, ociTag, parseRegistryUrl, RegistryClient } from '@kosmos/registry';
import { freePorts } from '@kosmos/testkit';
import { localCluster } from '@kosmos/testkit/vitest';
import { ensure } from '@kosmos/toolchain';
import { describe, expect, it } from 'vitest';
import { release, releaseExitCode, treeCharts } from '../src/index.ts';
import { chartsRepo, repoRoot, tagsOf } from './fixture.ts';

const env = localCluster();
const CHARTS = ['core-agents', 'data-tier', 'ingress', 'kosmos-common', 'observability', 'platform', 'rollouts'];
const fresh = (what: string) =>
  `oci://${env.registry}/${what}-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
const quiet = { progress: () => {} };

/** `pnpm release …` as a user runs it, from the repository root. */
function pnpmRelease(args: string[]): Promise<{ code: number; stdout: string; stderr: string; seconds: number }> {
  const t0 = performance.now();
  return new Promise((resolve) => {
    execFile('pnpm', ['--silent', 'release', ...args], { cwd: repoRoot }, (err, stdout, stderr) =>
      resolve({
        code: err ? ((err as { code?: number }).code ?? 1) : 0,
        stdout,
        stderr,
        seconds: (performance.now() - t0) / 1000,
      }),
    );
  });
}

describe('pnpm release', () => {
  it('first run pushes every chart and tags it; the second pushes none, in ≤ 3 s', async () => {
    const repo = chartsRepo();
    const registry = fresh('first');
    const first = await release({ root: repo, registry, ...quiet });
    expect(first.error).toBeUndefined();
    expect(first.pushed.map((p) => p.chart).sort()).toEqual(CHARTS);
    expect(first.skipped).toEqual([]);
    expect(tagsOf(repo)).toEqual(
      treeCharts(repo)
        .map((c) => `${c.name}@${c.version}`)
        .sort(),
    );

    // What landed is what was built: the chart layer digest is the archive's sha256.
    const ref = parseRegistryUrl(registry);
    const client = new RegistryClient({ host: ref.host, plainHttp: true });
    for (const p of first.pushed) {
      const s = await client.chart(chartRepository(ref, p.chart), ociTag(p.version));
      expect(s).toMatchObject({ state: 'present', chartDigest: p.digest, signed: false });
    }

    // Nothing changed: the command as users run it, timed end to end (pnpm and tsx start-up included).
    const second = await pnpmRelease(['--root', repo, '--registry', registry, '--json']);
    expect(second.code, second.stderr).toBe(0);
    const r = JSON.parse(second.stdout);
    expect(r.pushed).toEqual([]);
    expect(r.skipped.map((s: { chart: string }) => s.chart).sort()).toEqual(CHARTS);
    expect(second.stderr).toContain(`registry ${registry}`);
    // Nothing was packaged again: the content-keyed digests answered.
    expect(second.stderr).toContain('7 chart(s) unchanged since packaged');
    const line = `no-op pnpm release: ${second.seconds.toFixed(2)} s wall (pnpm and tsx start-up included), ${r.seconds} s in release itself`;
    appendFileSync(join(tmpdir(), 'kosmos-release-timings.log'), `${new Date().toISOString()} ${line}\n`);
    console.log(`${line} (target ≤ 3 s)`);
    // The wall time depends on how loaded the machine is (start-up is issue 15's); the work is ours.
    expect(r.seconds).toBeLessThanOrEqual(3);
  });

  it('--dry-run pushes and tags nothing', async () => {
    const repo = chartsRepo();
    const registry = fresh('dry');
    const r = await release({ root: repo, registry, dryRun: true, ...quiet });
    expect(r.pushed.length).toBe(CHARTS.length);
    expect(tagsOf(repo)).toEqual([]);
    const ref = parseRegistryUrl(registry);
    const client = new RegistryClient({ host: ref.host, plainHttp: true });
    expect(await client.tags(chartRepository(ref, 'core-agents'))).toEqual([]);
  });

  it('refuses a published version holding other content, naming the version and both digests', async () => {
    const repo = chartsRepo();
    const registry = fresh('refuse');
    expect((await release({ root: repo, registry, ...quiet })).pushed.length).toBe(CHARTS.length);

    // Behind the tool's back: different content pushed under the same version with plain helm.
    const other = chartsRepo();
    appendFileSync(join(other, 'charts/core-agents/templates/NOTES.txt'), '\nchanged behind the tool’s back\n');
    await prepareChart(join(other, 'charts/core-agents'));
    const out = mkdtempSync(join(tmpdir(), 'kosmos-other-'));
    const tampered = await packageChart({ dir: join(other, 'charts/core-agents'), destination: out });
    await runHelm(['push', tampered.archive, registry, '--plain-http']);

    const r = await pnpmRelease(['--root', repo, '--registry', registry]);
    expect(r.code).toBe(1);
    const version = treeCharts(repo).find((c) => c.name === 'core-agents')?.version ?? '';
    const line = r.stdout.split('\n').find((l) => l.startsWith('refused'));
    expect(line).toContain(`core-agents ${version}`);
    expect(line).toContain(tampered.digest);
    const ours = (await release({ root: repo, registry, dryRun: true, ...quiet })).refused[0];
    expect(ours).toMatchObject({ chart: 'core-agents', version, published: tampered.digest });
    expect(line).toContain(ours?.built);
    expect(r.stdout).toMatch(/0 pushed, 6 skipped, 1 refused/);
  });

  it('a registry that goes down mid-run gives a clear error; the rerun finishes and redoes nothing', async () => {
    const bin = await ensure('registry');
    const dir = mkdtempSync(join(tmpdir(), 'kosmos-flaky-registry-'));
    const [port] = (await freePorts(1)) as [number];
    const config = join(dir, 'config.yml');
    writeFileSync(
      config,
      `version: 0.1\nlog: {level: warn, accesslog: {disabled: true}}\nstorage: {filesystem: {rootdirectory: ${join(dir, 'data')}}}\nhttp: {addr: "127.0.0.1:${port}"}\n`,
    );
    mkdirSync(join(dir, 'data'));
    const start = async () => {
      const p = spawn(bin, ['serve', config], { stdio: 'ignore' });
      for (let i = 0; i < 100; i++) {
        const ok = await fetch(`http://127.0.0.1:${port}/v2/`).then(
          (r) => r.ok,
          () => false,
        );
        if (ok) return p;
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error('registry did not start');
    };
    const stop = (p: ReturnType<typeof spawn>) =>
      new Promise<void>((resolve) => {
        p.once('exit', () => resolve());
        p.kill('SIGTERM');
      });

    const repo = chartsRepo();
    const registry = `oci://127.0.0.1:${port}/charts`;
    const fast = { attempts: 2, baseDelayMs: 100, maxDelayMs: 200, timeoutMs: 5000 };
    let proc = await start();
    try {
      let stopped = false;
      const first = await release({
        root: repo,
        registry,
        retry: fast,
        ...quiet,
        afterPush: async () => {
          if (!stopped) {
            stopped = true;
            await stop(proc);
          }
        },
      });
      expect(first.pushed.length).toBe(1);
      expect(releaseExitCode(first)).toBe(1);
      expect(first.error).toMatch(new RegExp(`pushing \\S+ \\S+: .*127\\.0\\.0\\.1:${port}.*connection refused`));
      expect(first.error).not.toMatch(/--plain-http|\.tgz oci:/); // helm's message, not its command line

      // Still down: the registry is named at once, one line, exit 1.
      const down = await pnpmRelease(['--root', repo, '--registry', registry]);
      expect(down.code).toBe(1);
      expect(down.stderr.trim().split('\n').at(-1)).toMatch(
        new RegExp(`^release: registry 127\\.0\\.0\\.1:${port} unreachable: .*ECONNREFUSED`),
      );
      expect(down.stderr).not.toMatch(/\n\s+at /); // no stack trace

      proc = await start();
      const rerun = await release({ root: repo, registry, retry: fast, ...quiet });
      expect(rerun.error).toBeUndefined();
      expect(rerun.skipped.map((s) => s.chart)).toEqual(first.pushed.map((p) => p.chart));
      expect([...rerun.pushed, ...rerun.skipped].map((p) => p.chart).sort()).toEqual(CHARTS);
      expect(tagsOf(repo).length).toBe(CHARTS.length);

      const third = await release({ root: repo, registry, ...quiet });
      expect([third.pushed.length, third.skipped.length, third.tagged.length]).toEqual([0, CHARTS.length, 0]);
    } finally {
      await stop(proc);
    }
  });

  it('a signed chart verifies with plain helm pull --verify', async () => {
    const gnupg = mkdtempSync(join(tmpdir(), 'kosmos-gnupg-'));
    const gpgEnv = { ...process.env, GNUPGHOME: gnupg };
    execFileSync(
      'gpg',
      [
        '--batch',
        '--passphrase',
        '',
        '--quick-gen-key',
        'KOSMOS Release Test <release-test@example.com>',
        'rsa2048',
        'sign',
        '1d',
      ],
      {
        env: gpgEnv,
        stdio: 'pipe',
      },
    );
    // helm signs from a keyring file: GnuPG ≥ 2.1 keeps secret keys elsewhere, so export them.
    const keyring = join(mkdtempSync(join(tmpdir(), 'kosmos-keyring-')), 'release-key.gpg');
    writeFileSync(keyring, execFileSync('gpg', ['--batch', '--export-secret-keys'], { env: gpgEnv }));

    const repo = chartsRepo();
    const registry = fresh('signed');
    const r = await pnpmRelease([
      '--root',
      repo,
      '--registry',
      registry,
      '--sign',
      '--key',
      'KOSMOS Release Test',
      '--keyring',
      keyring,
    ]);
    expect(r.code, r.stderr).toBe(0);
    const ref = parseRegistryUrl(registry);
    const client = new RegistryClient({ host: ref.host, plainHttp: true });
    const version = treeCharts(repo).find((c) => c.name === 'core-agents')?.version ?? '';
    expect(await client.chart(chartRepository(ref, 'core-agents'), version)).toMatchObject({ signed: true });

    // The operator: only the public key, imported into their own GnuPG home; helm's default keyring.
    const operator = mkdtempSync(join(tmpdir(), 'kosmos-operator-'));
    const pub = execFileSync('gpg', ['--batch', '--export'], { env: gpgEnv });
    execFileSync('gpg', ['--batch', '--import'], {
      env: { ...process.env, GNUPGHOME: operator },
      input: pub,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const dest = mkdtempSync(join(tmpdir(), 'kosmos-pull-'));
    const helm = await ensure('helm');
    const pull = (home: string) =>
      new Promise<{ code: number; out: string }>((resolve) =>
        execFile(
          helm,
          ['pull', `${registry}/core-agents`, '--version', version, '--verify', '--plain-http', '-d', dest],
          { env: { ...process.env, GNUPGHOME: home } },
          (err, stdout, stderr) => resolve({ code: err ? 1 : 0, out: stdout + stderr }),
        ),
      );
    const ok = await pull(operator);
    expect(ok.code, ok.out).toBe(0);
    expect(ok.out).toContain('Signed by: KOSMOS Release Test');
    // And verification means something: a GnuPG home without the key fails.
    const stranger = mkdtempSync(join(tmpdir(), 'kosmos-stranger-'));
    execFileSync('gpg', ['--batch', '--list-keys'], { env: { ...process.env, GNUPGHOME: stranger }, stdio: 'pipe' });
    expect((await pull(stranger)).code).toBe(1);
    for (const home of [gnupg, operator, stranger])
      execFileSync('gpgconf', ['--kill', 'gpg-agent'], { env: { ...process.env, GNUPGHOME: home }, stdio: 'ignore' });
  });

  it('credentials from the environment reach helm push without showing up anywhere', async () => {
    const repo = chartsRepo();
    const registry = fresh('creds');
    const secret = 'correct-horse-battery-staple';
    const r = await release({
      root: repo,
      registry,
      env: { ...process.env, KOSMOS_REGISTRY_USERNAME: 'ci', KOSMOS_REGISTRY_PASSWORD: secret },
      ...quiet,
    });
    expect(r.pushed.length).toBe(CHARTS.length);
    expect(JSON.stringify(r)).not.toContain(secret);
    // A failing push: helm's message only, no argument list, no secret.
    const out = mkdtempSync(join(tmpdir(), 'kosmos-bad-'));
    const archive = join(out, 'not-a-chart.tgz');
    writeFileSync(archive, 'nope');
    const e = await pushChart({ archive, registry, plainHttp: true }).catch((x: Error) => x);
    expect(e).toBeInstanceOf(Error);
    expect((e as Error).message).toMatch(/^helm push not-a-chart.tgz to oci:\/\/\S+: /);
    expect((e as Error).message).not.toContain('--plain-http');
    expect(readFileSync(join(repo, 'charts/core-agents/Chart.yaml'), 'utf8')).not.toContain(secret);
  });
});
