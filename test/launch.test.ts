import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ensureBuilt, isFresh } from '../scripts/launch.mjs';

const LAUNCH = resolve(import.meta.dirname, '../scripts/launch.mjs');
const root = mkdtempSync(join(tmpdir(), 'kosmos-launch-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function run(out: string, ...args: string[]): string {
  const r = spawnSync(process.execPath, [out, ...args], { encoding: 'utf8' });
  expect(r.stderr).toBe('');
  return r.stdout;
}

describe('launcher', () => {
  mkdirSync(join(root, 'scripts'));
  mkdirSync(join(root, 'lib'));
  writeFileSync(join(root, 'pnpm-lock.yaml'), '');
  writeFileSync(
    join(root, 'scripts', 'hello.ts'),
    "import { where, word } from '../lib/dep.ts';\nconst n: number = 1;\nconsole.log(word, n, where, process.argv.slice(2).join(' '));\n",
  );
  const dep = join(root, 'lib', 'dep.ts');
  writeFileSync(dep, "export const word: string = 'one';\nexport const where = new URL(import.meta.url).pathname;\n");

  it('bundles a script and its imports, keeping each source file its own import.meta', async () => {
    const { out } = await ensureBuilt('hello', root);
    expect(out).toBe(join(root, '.kosmos', 'bin', 'hello.mjs'));
    expect(run(out, '--flag')).toBe(`one 1 ${dep} --flag\n`);
    expect(isFresh(out)).toBe(true);
  });

  it('rebuilds when an imported source changes, so an edit is never run stale', async () => {
    const out = join(root, '.kosmos', 'bin', 'hello.mjs');
    writeFileSync(dep, "export const word: string = 'two';\nexport const where = 'x';\n");
    // As if the bundle had been built a minute before the edit.
    const earlier = new Date(Date.now() - 60_000);
    utimesSync(out, earlier, earlier);
    expect(isFresh(out)).toBe(false);
    await ensureBuilt('hello', root);
    expect(run(out)).toBe('two 1 x \n');
    expect(isFresh(out)).toBe(true);
  });

  it('rebuilds when the lockfile changes (a dependency was upgraded) or a bundle is missing', async () => {
    const out = join(root, '.kosmos', 'bin', 'hello.mjs');
    const earlier = new Date(Date.now() - 60_000);
    utimesSync(out, earlier, earlier);
    const older = new Date(Date.now() - 120_000);
    for (const f of [dep, join(root, 'scripts', 'hello.ts')]) utimesSync(f, older, older);
    utimesSync(join(root, 'pnpm-lock.yaml'), new Date(), new Date());
    expect(isFresh(out)).toBe(false);
    await ensureBuilt('hello', root);
    expect(isFresh(out)).toBe(true);
    rmSync(out);
    expect(isFresh(out)).toBe(false);
    expect(JSON.parse(readFileSync(`${out}.inputs.json`, 'utf8'))).toContain(dep);
  });

  it('runs a real command with the argv it would have under tsx, and refuses an unknown one with exit 2', () => {
    const help = spawnSync(process.execPath, [LAUNCH, 'render', '--help'], { encoding: 'utf8' });
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/^render — /);
    const none = spawnSync(process.execPath, [LAUNCH, 'no-such-verb'], { encoding: 'utf8' });
    expect(none.status).toBe(2);
    expect(none.stderr).toBe('launch: no command "no-such-verb" (expected scripts/no-such-verb.ts)\n');
  });
});
