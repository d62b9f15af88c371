import { chmod, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ToolchainError } from '../src/errors.ts';
import {
  APT_PROGRESS,
  ensureSystemTools,
  inspectSystemTools,
  planSystemTools,
  SYSTEM_TOOLS,
  type SystemTool,
} from '../src/system.ts';

const tool = (name: string): SystemTool => {
  const t = SYSTEM_TOOLS.find((x) => x.tool === name);
  if (!t) throw new Error(`no system tool ${name}`);
  return t;
};

const debianRoot = { root: true, apt: true, sudo: false };
const debianUser = { root: false, apt: true, sudo: true };

describe('planSystemTools', () => {
  it('does nothing when nothing is missing, whoever runs it', () => {
    expect(planSystemTools([], debianRoot)).toEqual({ kind: 'ready' });
    expect(planSystemTools([], { root: false, apt: false, sudo: false })).toEqual({ kind: 'ready' });
  });

  it('as root on Debian: updates the package lists once, then installs every missing package in one call', () => {
    expect(planSystemTools([tool('shellcheck'), tool('keepalived'), tool('cloud-init')], debianRoot)).toEqual({
      kind: 'install',
      packages: ['shellcheck', 'keepalived', 'cloud-init'],
      commands: [
        ['apt-get', 'update'],
        ['apt-get', 'install', '-y', '--no-install-recommends', 'shellcheck', 'keepalived', 'cloud-init'],
      ],
    });
  });

  it('installs the package that ships a tool, not the tool name', () => {
    const plan = planSystemTools([tool('systemd-analyze'), tool('ip')], debianRoot);
    expect(plan).toMatchObject({ kind: 'install', packages: ['systemd', 'iproute2'] });
  });

  it('names a package once when two missing tools come from it', () => {
    const twins: SystemTool[] = [
      { tool: 'a', package: 'pkg', purpose: '' },
      { tool: 'b', package: 'pkg', purpose: '' },
    ];
    expect(planSystemTools(twins, debianRoot)).toMatchObject({ packages: ['pkg'] });
  });

  it('not root, with sudo: one line with the exact sudo command', () => {
    const plan = planSystemTools([tool('shellcheck'), tool('keepalived')], debianUser);
    expect(plan).toEqual({
      kind: 'instruct',
      packages: ['shellcheck', 'keepalived'],
      message:
        'missing shellcheck, keepalived: run `sudo apt-get update && sudo apt-get install -y --no-install-recommends shellcheck keepalived`, then `pnpm run tools` again',
    });
  });

  it('not root and no sudo: the same command, to be run as root', () => {
    const plan = planSystemTools([tool('cloud-init')], { root: false, apt: true, sudo: false });
    expect(plan).toMatchObject({
      kind: 'instruct',
      message:
        'missing cloud-init: run `apt-get update && apt-get install -y --no-install-recommends cloud-init` as root, then `pnpm run tools` again',
    });
  });

  it('without apt (root or not): names the Debian packages to find in another package manager', () => {
    for (const root of [true, false]) {
      const plan = planSystemTools([tool('systemd-analyze')], { root, apt: false, sudo: true });
      expect(plan.kind).toBe('instruct');
      expect(plan).toMatchObject({
        message: expect.stringMatching(/^missing systemd-analyze: .*Debian packages: systemd\)/),
      });
    }
  });

  it('every instruction is one line', () => {
    const plan = planSystemTools([...SYSTEM_TOOLS], debianUser);
    expect(plan.kind === 'instruct' && plan.message.includes('\n')).toBe(false);
  });
});

describe('SYSTEM_TOOLS', () => {
  it('covers every Debian tool a test asks for with requireTool()', async () => {
    const dir = join(import.meta.dirname, '../../../bootstrap/test');
    const asked = new Set<string>();
    for (const f of await readdir(dir)) {
      if (!f.endsWith('.ts')) continue;
      for (const m of (await readFile(join(dir, f), 'utf8')).matchAll(/requireTool\('([^']+)'(?:, '([^']+)')?\)/g))
        asked.add(`${m[1]}:${m[2] ?? m[1]}`);
    }
    expect(asked.size).toBeGreaterThan(0);
    const known = new Set(SYSTEM_TOOLS.map((t) => `${t.tool}:${t.package}`));
    expect([...asked].filter((a) => !known.has(a))).toEqual([]);
  });

  it('lists the Debian tools the bootstrap, data tier and fleet tests drive', () => {
    expect(SYSTEM_TOOLS.map((t) => `${t.tool}:${t.package}`)).toEqual([
      'shellcheck:shellcheck',
      'keepalived:keepalived',
      'cloud-init:cloud-init',
      'systemd-analyze:systemd',
      'ip:iproute2',
      'initdb:postgresql',
      'redis-server:redis-server',
    ]);
  });
});

describe('APT_PROGRESS', () => {
  it("shows downloads, installs and apt's errors; hides dependency lists and triggers", () => {
    const shown = [
      'Get:1 http://deb.debian.org/debian bookworm InRelease [151 kB]',
      'Fetched 241 kB in 1s (245 kB/s)',
      '0 upgraded, 32 newly installed, 0 to remove and 141 not upgraded.',
      'Setting up shellcheck (0.9.0-1) ...',
      'E: Unable to locate package kosmos-nothing',
      'W: Some index files failed to download.',
    ];
    const hidden = [
      '  python3-idna python3-jinja2',
      'Processing triggers for man-db (2.11.2-2) ...',
      'Reading package lists...',
    ];
    expect(shown.filter((l) => APT_PROGRESS.test(l))).toEqual(shown);
    expect(hidden.filter((l) => APT_PROGRESS.test(l))).toEqual([]);
  });
});

describe('ensureSystemTools', () => {
  const fake: SystemTool = { tool: 'kosmos-fake-tool', package: 'kosmos-fake-package', purpose: 'test' };

  it('reports a tool found on PATH that no Debian package owns, with the version it prints', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'kosmos-systool-'));
    await writeFile(join(dir, fake.tool), '#!/bin/sh\necho "kosmos-fake-tool version 1.2.3"\n');
    await chmod(join(dir, fake.tool), 0o755);
    const [r] = await ensureSystemTools({ env: { PATH: dir }, tools: [fake], host: debianRoot });
    expect(r).toEqual({
      tool: fake.tool,
      package: fake.package,
      purpose: 'test',
      path: join(dir, fake.tool),
      version: '1.2.3',
      source: 'PATH',
      installed: false,
    });
  });

  it('not root: throws the one-line instruction and installs nothing', async () => {
    const p = ensureSystemTools({ env: { PATH: '' }, tools: [fake], host: debianUser });
    await expect(p).rejects.toBeInstanceOf(ToolchainError);
    await expect(p).rejects.toThrow(
      'missing kosmos-fake-tool: run `sudo apt-get update && sudo apt-get install -y --no-install-recommends kosmos-fake-package`, then `pnpm run tools` again',
    );
  });

  it('doctor sees a missing tool as missing, without installing', async () => {
    expect(await inspectSystemTools({ env: { PATH: '' }, tools: [fake] })).toEqual([
      { tool: fake.tool, package: fake.package, purpose: 'test', missing: true },
    ]);
  });
});
