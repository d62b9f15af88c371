/** A throwaway git repository holding a copy of the tree's charts: release tags it, never the real one. */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const repoRoot = resolve(import.meta.dirname, '../../..');

const git = (cwd: string, args: string[]) =>
  execFileSync('git', ['-c', 'user.name=Test', '-c', 'user.email=test@example.com', ...args], {
    cwd,
    stdio: 'pipe',
  }).toString();

export function chartsRepo(extra: string[] = []): string {
  const dir = mkdtempSync(join(tmpdir(), 'kosmos-release-repo-'));
  // Vendored dependencies (charts/<chart>/charts/) are rebuilt, as in a fresh clone.
  cpSync(join(repoRoot, 'charts'), join(dir, 'charts'), {
    recursive: true,
    filter: (src) => !/\/charts\/[^/]+\/charts(\/|$)/.test(src.slice(repoRoot.length)),
  });
  // The repository's ignore rules: vendored dependencies are not uncommitted changes.
  for (const f of ['.gitignore', ...extra]) cpSync(join(repoRoot, f), join(dir, f), { recursive: true });
  git(dir, ['init', '-q', '-b', 'main']);
  git(dir, ['add', '-A']);
  git(dir, ['commit', '-qm', 'charts']);
  return dir;
}

export const tagsOf = (dir: string): string[] => git(dir, ['tag', '--list']).split('\n').filter(Boolean).sort();
export const commit = (dir: string, message: string) => {
  git(dir, ['add', '-A']);
  git(dir, ['commit', '-qm', message]);
};
