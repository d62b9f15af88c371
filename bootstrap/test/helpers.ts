/** Shared by the bootstrap tests: tool lookup with a clear failure, rendering into a temp dir. */
import { type SpawnSyncReturns, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const BOOTSTRAP = join(dirname(fileURLToPath(import.meta.url)), '..');
export const SCRIPTS = join(BOOTSTRAP, 'scripts');

/** Absolute path of a Debian tool, or a thrown error telling how to get it (tests must not pass silently). */
export function requireTool(name: string, pkg = name): string {
  const r = spawnSync('sh', ['-c', `command -v ${name}`], {
    encoding: 'utf8',
    env: { PATH: `${process.env.PATH}:/usr/sbin:/sbin` },
  });
  const path = r.stdout.trim();
  if (r.status !== 0 || !path)
    throw new Error(
      `${name} is not installed: run \`pnpm run tools\` (as root it installs Debian's ${pkg}; otherwise it prints the apt-get command to run)`,
    );
  return path;
}

export function run(
  cmd: string,
  args: string[],
  opts: { env?: NodeJS.ProcessEnv; cwd?: string; input?: string } = {},
): SpawnSyncReturns<string> {
  return spawnSync(cmd, args, {
    encoding: 'utf8',
    env: opts.env ?? process.env,
    cwd: opts.cwd,
    input: opts.input,
    timeout: 120_000,
  });
}

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `kosmos-${prefix}-`));
}

/** Writes a rendered file map under `dir`. */
export function writeTree(dir: string, files: Map<string, string>): void {
  for (const [rel, content] of files) {
    mkdirSync(dirname(join(dir, rel)), { recursive: true });
    writeFileSync(join(dir, rel), content);
  }
}
