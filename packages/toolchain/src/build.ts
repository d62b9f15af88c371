import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { chmod, cp, mkdir, readdir, readFile, rename, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Component } from './catalog.ts';
import { ToolchainError } from './errors.ts';
import { compatibleWith, localReplaces, publishedReplaces, replaceArg } from './gomod.ts';
import { cacheRoot, componentDir } from './paths.ts';

export type Log = (line: string) => void;

interface GoEnv {
  env: NodeJS.ProcessEnv;
  logFile: string;
}

/** Runs `go` with output to the build log; resolves stdout when asked for it. */
function go(args: string[], cwd: string, ge: GoEnv, capture = false): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('go', args, { cwd, env: ge.env, stdio: ['ignore', 'pipe', 'pipe'] });
    const log = createWriteStream(ge.logFile, { flags: 'a' });
    log.write(`$ go ${args.join(' ')}\n`);
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      if (capture) out += d.toString();
      else log.write(d);
    });
    child.stderr.on('data', (d: Buffer) => log.write(d));
    child.on('error', (e) => {
      log.end();
      reject(
        (e as NodeJS.ErrnoException).code === 'ENOENT'
          ? new ToolchainError(
              'Go is not installed: it is needed to build the toolchain (install Go 1.24+ or put the tools on PATH)',
            )
          : e,
      );
    });
    child.on('close', (code) => {
      log.end(() => {
        if (code === 0) resolve(out);
        else reject(new BuildFailed(`go ${args.slice(0, 2).join(' ')} exited ${code}`, ge.logFile));
      });
    });
  });
}

export class BuildFailed extends Error {
  constructor(
    message: string,
    readonly logFile: string,
  ) {
    super(message);
  }
}

async function tail(file: string, lines = 15): Promise<string> {
  try {
    return (await readFile(file, 'utf8')).trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

/** Prints a line every `every` ms while a long build runs, so CI logs show it is alive. */
function heartbeat(label: string, typical: number, log: Log, every = 20_000): () => void {
  const started = Date.now();
  const t = setInterval(() => {
    const s = Math.round((Date.now() - started) / 1000);
    log(`  … still building ${label}: ${s}s (typically ~${typical}s on 2 cores)`);
  }, every);
  t.unref();
  return () => clearInterval(t);
}

/**
 * Builds every binary of a component into the per-version cache folder. The folder appears
 * only when complete (built in a temporary folder, then renamed), so an interrupted build is
 * simply redone and a concurrent reader never sees half a toolchain.
 */
export async function buildComponent(c: Component, log: Log, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const finalDir = componentDir(c.id, c.version, env);
  const tmpDir = `${finalDir}.tmp-${process.pid}`;
  const root = cacheRoot(env);
  const logFile = join(root, 'logs', `${c.id}-${c.version}.log`);
  await mkdir(dirname(logFile), { recursive: true });
  await writeFile(logFile, '');
  await rm(tmpDir, { recursive: true, force: true });
  await mkdir(tmpDir, { recursive: true });
  const ge: GoEnv = { env: { ...env, GOFLAGS: '-mod=mod', CGO_ENABLED: '0' }, logFile };
  const label = `${c.id} ${c.version}`;
  log(`building ${label} from the Go module proxy (typically ~${c.typicalBuildSeconds}s on 2 cores; log: ${logFile})`);
  const stop = heartbeat(label, c.typicalBuildSeconds, log);
  const started = Date.now();
  try {
    const r = c.recipe;
    const ldflags = r.ldflags?.length ? ['-ldflags', r.ldflags.join(' ')] : [];
    if (r.kind === 'go-install') {
      for (const pkg of Object.values(r.packages)) {
        await go(['install', ...ldflags, `${pkg}@${c.version}`], tmpDir, { ...ge, env: { ...ge.env, GOBIN: tmpDir } });
      }
    } else {
      const work = join(root, 'src', `${c.id}-${c.version}`);
      await mkdir(work, { recursive: true });
      const modFile = join(work, 'go.mod');
      if (!(await exists(modFile))) await writeFile(modFile, `module kosmos.local/build/${c.id}\n\ngo 1.24\n`);
      const info = JSON.parse(await go(['mod', 'download', '-json', r.replacesFrom], work, ge, true)) as {
        GoMod?: string;
        Dir?: string;
      };
      if (!info.GoMod) throw new BuildFailed(`go mod download gave no go.mod for ${r.replacesFrom}`, logFile);
      const upstreamMod = await readFile(info.GoMod, 'utf8');
      // Modules that cannot carry the version (a v0 root module among v3 ones) are left alone:
      // they are replaced upstream only for upstream's own tests.
      const replaces = localReplaces(upstreamMod).filter((m) => compatibleWith(m, r.replaceVersion));
      const edits = replaces.map((m) => `-replace=${m}=${m}@${r.replaceVersion}`);
      if (r.copyPublishedReplaces) edits.push(...publishedReplaces(upstreamMod).map(replaceArg));
      if (r.rootCopy) {
        if (!info.Dir) throw new BuildFailed(`go mod download gave no folder for ${r.replacesFrom}`, logFile);
        edits.push(`-replace=${r.root.split('@')[0]}=./${await copyRoot(info.Dir, work, r.rootCopy.placeholders)}`);
      }
      if (edits.length > 0) await go(['mod', 'edit', ...edits], work, ge);
      await go(['get', ...r.get], work, ge);
      for (const [bin, pkg] of Object.entries(r.packages)) {
        log(`  compiling ${bin}`);
        await go(['build', ...ldflags, '-o', join(tmpDir, bin), pkg], work, ge);
      }
      // Relative targets: the folder is renamed into place after the build.
      for (const [name, target] of Object.entries(r.links ?? {})) await symlink(target, join(tmpDir, name));
    }
    await rm(finalDir, { recursive: true, force: true });
    await rename(tmpDir, finalDir);
    log(`built ${label} in ${Math.round((Date.now() - started) / 1000)}s`);
    return finalDir;
  } catch (e) {
    await rm(tmpDir, { recursive: true, force: true });
    if (e instanceof BuildFailed) {
      throw new ToolchainError(
        `building ${label} failed (${e.message}); last lines of ${e.logFile}:\n${await tail(e.logFile)}`,
      );
    }
    throw e;
  } finally {
    stop();
  }
}

/**
 * A writable copy of a module from the (read-only) module cache, with placeholder files added;
 * `go build -overlay` cannot add files inside the module cache, hence the copy.
 */
async function copyRoot(moduleDir: string, work: string, placeholders: Record<string, string>): Promise<string> {
  const name = 'root-module';
  const dest = join(work, name);
  await rm(dest, { recursive: true, force: true });
  await cp(moduleDir, dest, { recursive: true });
  await chmodTree(dest);
  for (const [rel, content] of Object.entries(placeholders)) {
    await mkdir(dirname(join(dest, rel)), { recursive: true });
    await writeFile(join(dest, rel), content);
  }
  return name;
}

async function chmodTree(dir: string): Promise<void> {
  await chmod(dir, 0o755);
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) await chmodTree(p);
    else if (e.isFile()) await chmod(p, 0o644);
  }
}

async function exists(p: string): Promise<boolean> {
  try {
    await stat(p);
    return true;
  } catch {
    return false;
  }
}
