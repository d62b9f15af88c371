import { spawnSync } from 'node:child_process';
import { findRepoRoot } from '@kosmos/environment';
import { describe, expect, it } from 'vitest';

const root = findRepoRoot();
const lint = (...args: string[]) =>
  spawnSync('pnpm', ['-s', 'lint', ...args], { cwd: root, encoding: 'utf8', timeout: 120_000 });

describe('pnpm lint', () => {
  it('--env dev --format sarif: exit 0 and SARIF 2.1.0 on stdout', () => {
    const r = lint('--env', 'dev', '--format', 'sarif');
    expect(r.stderr).not.toMatch(/unexpected error/);
    expect(r.status).toBe(0);
    const sarif = JSON.parse(r.stdout);
    expect(sarif.version).toBe('2.1.0');
    const ids = sarif.runs[0].tool.driver.rules.map((x: { id: string }) => x.id);
    expect(ids).toContain('helm-lint');
    expect(ids).toContain('pdb-coverage');
    for (const res of sarif.runs[0].results) {
      expect(ids).toContain(res.ruleId);
      expect(res.level).not.toBe('error');
    }
    expect(r.stderr).toMatch(/0 errors, \d+ warnings? in \d+ objects/);
  }, 120_000);

  it('usage and input errors exit 2 with one line', () => {
    const bad = lint('--format', 'xml');
    expect(bad.status).toBe(2);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    const unknown = lint('--env', 'nope');
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toMatch(/unknown environment "nope"/);
  }, 60_000);
});
