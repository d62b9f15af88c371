/**
 * The GitHub workflows, checked by the real actionlint (built by the toolchain) with shellcheck
 * over every `run:` script, plus the rules this project sets for them that actionlint does not
 * know: Node 24, actions pinned by commit, least privilege, approvals for production.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensure, findSystemTool, SYSTEM_TOOLS } from '@kosmos/toolchain';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const ROOT = join(import.meta.dirname, '../..');
const WORKFLOWS = join(ROOT, '.github/workflows');
const files = readdirSync(WORKFLOWS)
  .filter((f) => /\.ya?ml$/.test(f))
  .sort();

/** A GitHub expression as written in a workflow. */
const gha = (inner: string) => `\${{ ${inner} }}`;

let actionlint: string;
let shellcheck: string;

beforeAll(async () => {
  // Builds actionlint on a machine that has never had it (about 20 s): `pnpm run tools` does it first.
  actionlint = await ensure('actionlint');
  const sc = SYSTEM_TOOLS.find((t) => t.tool === 'shellcheck');
  const found = sc && (await findSystemTool(sc));
  if (!found) throw new Error('shellcheck is not installed: run `pnpm run tools`');
  shellcheck = found;
}, 600_000);

/** actionlint's findings, one per line; pyflakes off (no Python steps), shellcheck explicit. */
function lint(cwd: string, paths: string[]): { status: number | null; findings: string[] } {
  const r = spawnSync(actionlint, ['-no-color', '-oneline', `-shellcheck=${shellcheck}`, '-pyflakes=', ...paths], {
    cwd,
    encoding: 'utf8',
    timeout: 120_000,
  });
  if (r.error) throw r.error;
  if (r.status !== 0 && r.status !== 1) throw new Error(`actionlint exited ${r.status}: ${r.stderr}`);
  return { status: r.status, findings: r.stdout.split('\n').filter(Boolean) };
}

describe('.github/workflows', () => {
  it('has the pull request, release and promote workflows', () => {
    expect(files).toEqual(['promote.yml', 'pull-request.yml', 'release.yml']);
  });

  it('passes actionlint (with shellcheck on every run: script) without a single finding', () => {
    const r = lint(
      ROOT,
      files.map((f) => join('.github/workflows', f)),
    );
    expect(r.findings).toEqual([]);
    expect(r.status).toBe(0);
  });

  it('a broken workflow is caught, so the check above can fail', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kosmos-actionlint-'));
    await mkdir(join(dir, '.github/workflows'), { recursive: true });
    const bad = join(dir, '.github/workflows/bad.yml');
    writeFileSync(
      bad,
      `on: push\njobs:\n  a:\n    runs-on: ubuntu-24.04\n    steps:\n      - run: echo ${gha('github.event.nope.title')} $UNQUOTED\n      - uses: actions/checkout@v5\n        with: { nosuch: 1 }\n`,
    );
    const r = lint(dir, ['.github/workflows/bad.yml']);
    expect(r.status).toBe(1);
    expect(r.findings.join('\n')).toMatch(/nosuch/);
    expect(r.findings.join('\n')).toMatch(/SC2086/);
  });
});

type Step = { uses?: string; run?: string; with?: Record<string, unknown>; env?: Record<string, string> };
type Job = { permissions?: Record<string, string>; environment?: string; steps?: Step[]; env?: Record<string, string> };
type Workflow = { on: Record<string, unknown>; permissions?: Record<string, string>; jobs: Record<string, Job> };

const workflow = (f: string): Workflow => parse(readFileSync(join(WORKFLOWS, f), 'utf8')) as Workflow;
const setupAction = parse(readFileSync(join(ROOT, '.github/actions/setup/action.yml'), 'utf8')) as {
  runs: { steps: Step[] };
};
const allSteps = (): { where: string; step: Step; text: string }[] => {
  const out = files.flatMap((f) => {
    const text = readFileSync(join(WORKFLOWS, f), 'utf8');
    return Object.values(workflow(f).jobs).flatMap((j) => (j.steps ?? []).map((step) => ({ where: f, step, text })));
  });
  const text = readFileSync(join(ROOT, '.github/actions/setup/action.yml'), 'utf8');
  return [...out, ...setupAction.runs.steps.map((step) => ({ where: 'actions/setup', step, text }))];
};

describe("the project's rules for its workflows", () => {
  it('pins every third-party action by full commit SHA, with the version as a comment', () => {
    for (const { where, step, text } of allSteps()) {
      if (!step.uses || step.uses.startsWith('./')) continue;
      expect(step.uses, where).toMatch(/^[\w.-]+\/[\w./-]+@[0-9a-f]{40}$/);
      expect(text, `${where}: ${step.uses}`).toMatch(new RegExp(`${step.uses.replace(/[/.]/g, '\\$&')} # v\\d+`));
    }
  });

  it('targets Node 24', () => {
    const node = setupAction.runs.steps.find((s) => s.uses?.startsWith('actions/setup-node@'));
    expect(node?.with?.['node-version']).toBe(24);
    for (const f of files) {
      for (const job of Object.values(workflow(f).jobs))
        expect(job.steps?.some((s) => s.uses === './.github/actions/setup')).toBe(true);
    }
  });

  it('grants read-only contents by default and writes only where a job needs it', () => {
    for (const f of files) expect(workflow(f).permissions, f).toEqual({ contents: 'read' });
    expect(workflow('pull-request.yml').jobs.lint?.permissions).toEqual({
      contents: 'read',
      'security-events': 'write',
      actions: 'read',
    });
    expect(workflow('pull-request.yml').jobs.diff?.permissions).toEqual({ contents: 'read' });
    expect(workflow('release.yml').jobs.release?.permissions).toEqual({ contents: 'write' });
    expect(workflow('promote.yml').jobs.promote?.permissions).toEqual({ contents: 'write' });
  });

  it('pull requests lint to SARIF, upload it, and diff staging and production', () => {
    const wf = workflow('pull-request.yml');
    expect(Object.keys(wf.on)).toEqual(['pull_request']);
    const runs = Object.values(wf.jobs).flatMap((j) => (j.steps ?? []).map((s) => s.run ?? s.uses ?? ''));
    expect(runs.join('\n')).toContain('pnpm lint --format sarif --output lint.sarif');
    expect(runs.some((r) => r.startsWith('github/codeql-action/upload-sarif@'))).toBe(true);
    expect(runs.join('\n')).toContain('pnpm diff --env "$DIFF_ENV"');
    const text = readFileSync(join(WORKFLOWS, 'pull-request.yml'), 'utf8');
    expect(text).toContain('env: staging');
    expect(text).toContain('env: production');
  });

  it('main runs pnpm release with registry credentials from secrets and a --json summary', () => {
    const wf = workflow('release.yml');
    expect(wf.on).toEqual({ push: { branches: ['main'] } });
    const step = wf.jobs.release?.steps?.find((s) => s.run?.includes('pnpm release'));
    expect(step?.run).toContain('--json');
    expect(step?.env).toEqual({
      KOSMOS_REGISTRY_USERNAME: gha('secrets.KOSMOS_REGISTRY_USERNAME'),
      KOSMOS_REGISTRY_PASSWORD: gha('secrets.KOSMOS_REGISTRY_PASSWORD'),
    });
  });

  it('promotion is manual: a plan first, then the target environment carries out that plan, approved by its digest only for production', () => {
    const wf = workflow('promote.yml');
    expect(Object.keys(wf.on)).toEqual(['workflow_dispatch']);
    const plan = wf.jobs.plan;
    expect(plan?.permissions).toEqual({ contents: 'read' });
    expect(plan?.steps?.some((s) => s.run?.includes('--plan-out plan.json'))).toBe(true);
    const job = wf.jobs.promote;
    expect(job?.environment).toBe(gha('inputs.to'));
    expect(job?.env?.KOSMOS_APPROVE).toBe(gha("inputs.to == 'production' && needs.plan.outputs.digest || ''"));
    expect(job?.steps?.some((s) => s.run?.includes(`pnpm promote "\${args[@]}"`))).toBe(true);
    expect(job?.steps?.some((s) => s.run?.includes('args=(--plan "$RUNNER_TEMP/plan/plan.json" --json)'))).toBe(true);
  });

  it('never prints a secret: secrets reach scripts through env, never inline in run:', () => {
    for (const { where, step } of allSteps()) expect(step.run ?? '', where).not.toMatch(/secrets\./);
  });
});
