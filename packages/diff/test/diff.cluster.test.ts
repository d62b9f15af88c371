import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { kubectl } from '@kosmos/testkit';
import { localCluster } from '@kosmos/testkit/vitest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const cluster = localCluster();
const k = (args: string[]) => kubectl(cluster.kubectl, cluster.kubeconfig, args);

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** The CLI as a user runs it: `pnpm --silent <verb> ...` from the repository. */
function cli(verb: 'diff' | 'status', args: string[]): Promise<Run> {
  return new Promise((done) => {
    execFile(
      'pnpm',
      ['--silent', verb, ...args],
      { cwd: repo, env: { ...process.env, NO_COLOR: '1' } },
      (err, stdout, stderr) => done({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

const rand = () => randomBytes(5).toString('hex');
const ns = `kd-${rand()}`;
const planted = { old: `s3cr3t-${rand()}`, next: `s3cr3t-${rand()}` };
const b64 = (s: string) => Buffer.from(s).toString('base64');
let root: string;

/** The fixture repository in a temp folder, its environment pointed at the test cluster. */
function writeEnv(o: { kubeconfig?: string; namespace?: string } = {}) {
  const file = join(root, 'environments/diff-fixture/environment.yaml');
  const text = readFileSync(join(repo, 'test/fixtures/environments/diff-fixture/environment.yaml'), 'utf8')
    .replace('KUBECONFIG_PATH', o.kubeconfig ?? cluster.kubeconfig)
    .replace('NAMESPACE', o.namespace ?? ns);
  writeFileSync(file, text);
}

const values = (o: { replicas?: number; password?: string } = {}) =>
  [
    'greeting: hello from the fixture environment',
    `replicas: ${o.replicas ?? 1}`,
    'secret:',
    `  password: ${o.password ?? planted.old}`,
    '  token: fixture-token',
    '',
  ].join('\n');
const setValues = (o: Parameters<typeof values>[0] = {}) =>
  writeFileSync(join(root, 'environments/diff-fixture/values/app.yaml'), values(o));

const diff = (...args: string[]) => cli('diff', ['--env', 'diff-fixture', '--root', root, ...args]);
const changedLines = (text: string) => text.split('\n').filter((l) => /^[-+](?![-+]{2} )/.test(l));

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'kosmos-diff-'));
  cpSync(join(repo, 'test/fixtures'), root, { recursive: true });
  writeEnv();
  setValues();
  await new Promise<void>((done, fail) =>
    execFile(
      cluster.helm,
      [
        'upgrade',
        '--install',
        'app',
        join(root, 'charts/diff-app'),
        '--namespace',
        ns,
        '--create-namespace',
        '--kubeconfig',
        cluster.kubeconfig,
        '--values',
        join(root, 'environments/diff-fixture/values/app.yaml'),
        '--wait',
        '--timeout',
        '120s',
      ],
      (err, _o, stderr) => (err ? fail(new Error(stderr)) : done()),
    ),
  );
});

afterAll(async () => {
  await k(['delete', 'namespace', ns, '--wait=false']).catch(() => {});
  rmSync(root, { recursive: true, force: true });
});

describe('pnpm diff against the local cluster', () => {
  it('shows no drift right after install (exit 0)', async () => {
    const r = await diff();
    expect(r.stderr).not.toMatch(/unexpected error/);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('no drift');
    expect(r.stdout).toMatch(/app\s+kd-\w+\s+0\s+0\s+0\s+4/);
  });

  it('a changed value shows exactly that field (exit 2)', async () => {
    setValues({ replicas: 3 });
    const r = await diff('--context', '1');
    expect(r.code).toBe(2);
    expect(changedLines(r.stdout)).toEqual(['-  replicas: 1', '+  replicas: 3']);
    const j = JSON.parse((await diff('--json')).stdout) as {
      drift: boolean;
      releases: { objects: { id: string; change: string }[] }[];
    };
    expect(j.drift).toBe(true);
    expect(j.releases[0]?.objects.filter((o) => o.change !== 'unchanged').map((o) => o.id)).toEqual([
      `apps/v1/Deployment/${ns}/app`,
    ]);
    setValues();
  });

  it('a Secret changed in values names the key and never a value, old or new, in any output', async () => {
    setValues({ password: planted.next });
    const text = await diff();
    const json = await diff('--json');
    expect(text.code).toBe(2);
    expect(json.code).toBe(2);
    expect(text.stdout).toContain('changed password');
    const j = JSON.parse(json.stdout) as { releases: { objects: { kind: string; secretKeys?: unknown }[] }[] };
    expect(j.releases[0]?.objects.find((o) => o.kind === 'Secret')?.secretKeys).toEqual({
      added: [],
      changed: ['password'],
      removed: [],
    });
    const everything = [text.stdout, text.stderr, json.stdout, json.stderr].join('\n');
    for (const v of [planted.old, planted.next, 'fixture-token']) {
      expect(everything).not.toContain(v);
      expect(everything).not.toContain(b64(v));
    }
    expect(everything).not.toMatch(/s3cr3t-/);
    setValues();
  });

  it('a deleted template shows as a deletion of the live object', async () => {
    rmSync(join(root, 'charts/diff-app/templates/service.yaml'));
    try {
      const r = await diff('--json');
      expect(r.code).toBe(2);
      const j = JSON.parse(r.stdout) as {
        summary: { deleted: number; changed: number; added: number }[];
        releases: { objects: { id: string; change: string }[] }[];
      };
      expect(j.summary[0]).toMatchObject({ added: 0, changed: 0, deleted: 1 });
      expect(j.releases[0]?.objects.find((o) => o.change === 'deleted')?.id).toBe(`v1/Service/${ns}/app`);
    } finally {
      cpSync(
        join(repo, 'test/fixtures/charts/diff-app/templates/service.yaml'),
        join(root, 'charts/diff-app/templates/service.yaml'),
      );
    }
  });

  it('a missing namespace is reported as such, not as a crash', async () => {
    writeEnv({ namespace: `kd-missing-${rand()}` });
    try {
      const r = await diff();
      expect(r.code).toBe(2);
      expect(r.stdout).toMatch(
        /added v1\/ConfigMap\/kd-missing-\w+\/app-config: namespace kd-missing-\w+ does not exist/,
      );
      expect(r.stdout).not.toMatch(/s3cr3t-/);
    } finally {
      writeEnv();
    }
  });

  it('a cluster that is down is one clear line naming the context, exit 1', async () => {
    const down = join(root, 'down.kubeconfig');
    writeFileSync(down, readFileSync(cluster.kubeconfig, 'utf8').replace(/server: \S+/, 'server: https://127.0.0.1:1'));
    writeEnv({ kubeconfig: down });
    try {
      const r = await diff();
      expect(r.code).toBe(1);
      const errors = r.stderr.split('\n').filter((l) => l.startsWith('diff: '));
      expect(errors).toEqual([
        'diff: cannot reach cluster context "kosmos-local" (https://127.0.0.1:1): ECONNREFUSED connect 127.0.0.1:1',
      ]);
      expect(r.stderr).not.toMatch(/\n\s+at /);
      const s = await cli('status', ['--root', root]);
      expect(s.code).toBe(1);
      expect(s.stdout).toMatch(/diff-fixture\s+app\s+\S+\s+tree \(0\.3\.0\)\s+-\s+unreachable\s+unreachable/);
    } finally {
      writeEnv();
    }
  });
});

describe('pnpm status against the local cluster', () => {
  it('shows the deployed version, no drift and Ready health', async () => {
    await k(['wait', '-n', ns, '--for=condition=Available', 'deployment/app', '--timeout=120s']);
    const r = await cli('status', ['--root', root, '--json']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout) as { environments: { releases: Record<string, unknown>[] }[] };
    expect(j.environments[0]?.releases[0]).toMatchObject({
      release: 'app',
      pinned: 'tree (0.3.0)',
      deployed: '0.3.0',
      helmStatus: 'deployed',
      drift: false,
      health: 'ready',
      upToDate: true,
    });
    const t = await cli('status', ['--root', root]);
    expect(t.stdout).toMatch(/diff-fixture\s+app\s+kd-\w+\s+tree \(0\.3\.0\)\s+0\.3\.0\s+no\s+ready/);
  });
});
