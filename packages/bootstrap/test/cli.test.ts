import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { inventoryPath, REPO_ROOT } from '../src/index.ts';

const tmp = mkdtempSync(join(tmpdir(), 'kosmos-cli-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function cli(...args: string[]) {
  const r = spawnSync(join(REPO_ROOT, 'node_modules/.bin/tsx'), [join(REPO_ROOT, 'scripts/bootstrap.ts'), ...args], {
    cwd: tmp,
    encoding: 'utf8',
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('pnpm bootstrap', () => {
  it('renders an environment into --out and exits 0', () => {
    const r = cli('render', '--env', 'staging', '--out', 'out');
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(existsSync(join(tmp, 'out/nodes/kosmos-staging-1/rootfs/etc/rancher/k3s/config.yaml'))).toBe(true);
  });

  it('exits 2 (bad input) with file:line:column and no stack trace for an invalid inventory, rendering nothing', () => {
    const bad = join(tmp, 'bad.yaml');
    writeFileSync(bad, readFileSync(inventoryPath('production'), 'utf8').replace('vrid: 51', 'vrid: 0'));
    const r = cli('render', '--env', 'production', '--inventory', 'bad.yaml', '--out', 'bad-out');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^bootstrap: bad\.yaml:\d+:9: \(cluster\) vip\.vrid: must be >= 1\n/);
    expect(r.err).not.toMatch(/\n\s+at /);
    expect(existsSync(join(tmp, 'bad-out'))).toBe(false);
  });

  it('exits 2 for usage errors, with one line', () => {
    for (const args of [
      [],
      ['render'],
      ['render', '--env', 'nope'],
      ['frob', '--env', 'staging'],
      ['render', '--env', 'staging', '--bogus'],
    ]) {
      const r = cli(...args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.err.trim().split('\n'), args.join(' ')).toHaveLength(1);
    }
  });

  it('--json prints what was checked or written', () => {
    const c = cli('check', '--env', 'production', '--json');
    expect(c.code, c.err).toBe(0);
    expect(JSON.parse(c.out)).toMatchObject({
      command: 'check',
      env: 'production',
      ok: true,
      nodes: ['kosmos-prod-1', 'kosmos-prod-2', 'kosmos-prod-3'],
    });
    const r = cli('render', '--env', 'staging', '--out', 'json-out', '--json');
    expect(r.code, r.err).toBe(0);
    const summary = JSON.parse(r.out) as { out: string; written: string[]; removed: string[] };
    expect(summary.out).toBe(join(tmp, 'json-out'));
    expect(summary.written).toContain('nodes/kosmos-staging-1/rootfs/etc/rancher/k3s/config.yaml');
    for (const f of summary.written) expect(existsSync(join(tmp, 'json-out', f)), f).toBe(true);
    expect(summary.removed).toEqual([]);
  });

  it('--help exits 0', () => {
    const r = cli('--help');
    expect(r.code).toBe(0);
    expect(r.out).toContain('Usage: pnpm bootstrap');
  });
});
