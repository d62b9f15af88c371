/**
 * Debian tools that some tests drive for real. They are not built from Go modules: the machines
 * this project runs on are Debian, and Debian's packages are one of the registries they reach.
 * `pnpm run tools` installs the missing ones (as root) or names the one command that does.
 */
import { execFile, spawn } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Log } from './build.ts';
import { ToolchainError } from './errors.ts';
import { withLock } from './lock.ts';
import { cacheRoot } from './paths.ts';
import { findInDirs, pathDirs } from './probe.ts';

const run = promisify(execFile);

export interface SystemTool {
  /** The binary tests run. */
  tool: string;
  /** The Debian package that ships it. */
  package: string;
  /** What the tests use it for (`pnpm run doctor --json` says). */
  purpose: string;
  /** Folders off PATH where the package puts the binary (PostgreSQL's are versioned). */
  dirs?: readonly string[];
}

export const SYSTEM_TOOLS: readonly SystemTool[] = [
  { tool: 'shellcheck', package: 'shellcheck', purpose: 'lints the bootstrap shell scripts' },
  { tool: 'keepalived', package: 'keepalived', purpose: 'checks rendered keepalived configs (keepalived -t)' },
  { tool: 'cloud-init', package: 'cloud-init', purpose: 'validates rendered user-data (cloud-init schema)' },
  { tool: 'systemd-analyze', package: 'systemd', purpose: 'verifies rendered systemd units' },
  { tool: 'ip', package: 'iproute2', purpose: 'network namespaces for the keepalived check' },
  {
    tool: 'initdb',
    package: 'postgresql',
    purpose: "a real PostgreSQL for the data tier's backup and restore test (initdb, pg_ctl, psql)",
    // Debian 12's PostgreSQL; the test looks there too.
    dirs: ['/usr/lib/postgresql/15/bin'],
  },
  // Argo CD's controllers and repo server cache manifests in Redis; Debian's is what upstream
  // runs as its own sidecar image, and Argo CD's Go module carries no server.
  { tool: 'redis-server', package: 'redis-server', purpose: "Argo CD's cache for the fleet tests" },
];

/** What the machine offers for installing packages. */
export interface Host {
  root: boolean;
  apt: boolean;
  sudo: boolean;
}

export type SystemPlan =
  | { kind: 'ready' }
  /** Run these commands (we are root on a Debian machine). */
  | { kind: 'install'; packages: string[]; commands: string[][] }
  /** We cannot install: one line telling the user exactly what to run. */
  | { kind: 'instruct'; packages: string[]; message: string };

const APT_INSTALL = ['apt-get', 'install', '-y', '--no-install-recommends'];

/**
 * From the tools that are missing to what to do about them. Pure: tested with plain data.
 * The package list is updated once per run, and only when something is missing: an install
 * from stale lists fails on a fresh machine whose lists were never fetched.
 */
export function planSystemTools(missing: readonly SystemTool[], host: Host): SystemPlan {
  const packages = [...new Set(missing.map((t) => t.package))];
  if (packages.length === 0) return { kind: 'ready' };
  const tools = missing.map((t) => t.tool).join(', ');
  if (host.root && host.apt) {
    return {
      kind: 'install',
      packages,
      commands: [
        ['apt-get', 'update'],
        [...APT_INSTALL, ...packages],
      ],
    };
  }
  if (host.apt) {
    const sudo = host.sudo ? 'sudo ' : '';
    const command = `${sudo}apt-get update && ${sudo}${[...APT_INSTALL, ...packages].join(' ')}`;
    return {
      kind: 'instruct',
      packages,
      message: `missing ${tools}: run \`${command}\`${host.sudo ? '' : ' as root'}, then \`pnpm run tools\` again`,
    };
  }
  return {
    kind: 'instruct',
    packages,
    message: `missing ${tools}: install them with your system's package manager (Debian packages: ${packages.join(' ')}), then run \`pnpm run tools\` again`,
  };
}

export interface SystemResolved {
  tool: string;
  package: string;
  purpose: string;
  path: string;
  /** Debian's package version when dpkg knows the package, else what the tool prints. */
  version: string | undefined;
  /** `apt`: the Debian package is installed; `PATH`: found, but not from a Debian package. */
  source: 'apt' | 'PATH';
  /** Installed by this run. */
  installed: boolean;
}

export interface SystemToolsOptions {
  env?: NodeJS.ProcessEnv;
  log?: Log;
  tools?: readonly SystemTool[];
  /** For tests; the real host otherwise. */
  host?: Host;
}

/** One tool as found on this machine: doctor lists these. */
export type SystemToolState = SystemResolved | { tool: string; package: string; purpose: string; missing: true };

/** keepalived lives in /usr/sbin, which a normal user's PATH often lacks. */
const SBIN = ['/usr/local/sbin', '/usr/sbin', '/sbin'];

function searchDirs(env: NodeJS.ProcessEnv, extra: readonly string[] = []): string[] {
  const dirs = pathDirs(env);
  return [...dirs, ...[...SBIN, ...extra].filter((d) => !dirs.includes(d))];
}

/** The tool's path, or undefined. */
export async function findSystemTool(t: SystemTool, env: NodeJS.ProcessEnv = process.env): Promise<string | undefined> {
  const [hit] = await findInDirs([t.tool], searchDirs(env, t.dirs));
  return hit;
}

async function debianVersion(pkg: string): Promise<string | undefined> {
  try {
    // dpkg's own ${field} syntax, not a template string.
    const format = `\${db:Status-Abbrev}\t\${Version}`;
    const { stdout } = await run('dpkg-query', ['-W', '-f', format, pkg], {
      timeout: 15_000,
    });
    const [status, version] = stdout.split('\t');
    return status?.startsWith('ii') && version ? version : undefined;
  } catch {
    return undefined;
  }
}

async function ownVersion(path: string): Promise<string | undefined> {
  try {
    const { stdout, stderr } = await run(path, ['--version'], { timeout: 15_000 });
    return /\d+(?:\.\d+)+/.exec(`${stdout}\n${stderr}`)?.[0];
  } catch {
    return undefined;
  }
}

async function onPath(name: string, env: NodeJS.ProcessEnv): Promise<boolean> {
  return (await findInDirs([name], searchDirs(env))).length > 0;
}

export async function detectHost(env: NodeJS.ProcessEnv = process.env): Promise<Host> {
  return {
    root: process.getuid?.() === 0,
    apt: await onPath('apt-get', env),
    sudo: await onPath('sudo', env),
  };
}

/** apt's lines that show progress or trouble; the rest (dependency lists, triggers) is noise. */
export const APT_PROGRESS = /^(Get:\d|Fetched |Setting up |\d+ upgraded|E: |W: |Err:)/;

/** Runs one command with its progress lines on our progress stream; its last lines name a failure. */
function runWithProgress(cmd: string[], log: Log, env: NodeJS.ProcessEnv): Promise<void> {
  return new Promise((resolve, reject) => {
    const [bin = '', ...args] = cmd;
    const child = spawn(bin, args, {
      env: { ...env, DEBIAN_FRONTEND: 'noninteractive' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const last: string[] = [];
    const onData = (d: Buffer) => {
      for (const line of d.toString().split('\n')) {
        if (!line.trim()) continue;
        if (APT_PROGRESS.test(line)) log(`  ${line}`);
        last.push(line);
        if (last.length > 5) last.shift();
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('error', (e) => reject(new ToolchainError(`${cmd.join(' ')} could not start: ${e.message}`)));
    child.on('close', (code) =>
      code === 0
        ? resolve()
        : reject(new ToolchainError(`\`${cmd.join(' ')}\` exited ${code}: ${last.at(-1) ?? 'no output'}`)),
    );
  });
}

async function describeTool(t: SystemTool, path: string, installed: boolean): Promise<SystemResolved> {
  const deb = await debianVersion(t.package);
  return {
    tool: t.tool,
    package: t.package,
    purpose: t.purpose,
    path,
    version: deb ?? (await ownVersion(path)),
    source: deb ? 'apt' : 'PATH',
    installed,
  };
}

/** Looks for every Debian tool the tests drive; installs nothing. */
export async function inspectSystemTools(opts: SystemToolsOptions = {}): Promise<SystemToolState[]> {
  const env = opts.env ?? process.env;
  return Promise.all(
    (opts.tools ?? SYSTEM_TOOLS).map(async (t) => {
      const path = await findSystemTool(t, env);
      return path
        ? describeTool(t, path, false)
        : { tool: t.tool, package: t.package, purpose: t.purpose, missing: true as const };
    }),
  );
}

/**
 * Finds every Debian tool the tests drive; installs the missing ones when we are root on a
 * Debian machine, else throws one line naming the exact command to run.
 */
export async function ensureSystemTools(opts: SystemToolsOptions = {}): Promise<SystemResolved[]> {
  const env = opts.env ?? process.env;
  const log = opts.log ?? ((l) => process.stderr.write(`${l}\n`));
  const tools = opts.tools ?? SYSTEM_TOOLS;
  const missingNow = async () => {
    const state = await inspectSystemTools({ env, tools });
    return tools.filter((t) => state.some((s) => s.tool === t.tool && 'missing' in s));
  };
  const host = opts.host ?? (await detectHost(env));
  let missing = await missingNow();
  const plan = planSystemTools(missing, host);
  if (plan.kind === 'instruct') throw new ToolchainError(plan.message);
  if (plan.kind === 'install') {
    // Two of our processes at once would fail on dpkg's lock: one installs, the other then finds
    // the tools there and installs nothing.
    await withLock(
      join(cacheRoot(env), 'locks', 'apt'),
      async () => {
        missing = await missingNow();
        const again = planSystemTools(missing, host);
        if (again.kind !== 'install') return;
        log(`installing Debian packages ${again.packages.join(' ')} (for ${missing.map((t) => t.tool).join(', ')})`);
        const started = Date.now();
        for (const cmd of again.commands) {
          log(`$ ${cmd.join(' ')}`);
          await runWithProgress(cmd, log, env);
        }
        log(`installed ${again.packages.join(' ')} in ${Math.round((Date.now() - started) / 1000)}s`);
      },
      () => log('waiting for another process that is installing Debian packages'),
    );
  }
  return Promise.all(
    tools.map(async (t) => {
      const path = await findSystemTool(t, env);
      if (!path) throw new ToolchainError(`${t.tool} is still missing after installing Debian's ${t.package}`);
      return describeTool(t, path, missing.includes(t));
    }),
  );
}
