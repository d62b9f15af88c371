import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';

/** A background process we started: enough to find it again and to stop it safely. */
export interface DaemonRecord {
  name: string;
  pid: number;
  bin: string;
  log: string;
}

export interface StartInput {
  name: string;
  bin: string;
  args: string[];
  log: string;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
}

/**
 * Starts a process in its own process group with output to a log file, detached from ours so it
 * outlives `pnpm run up`. Its record is what `down` needs to stop it later.
 */
export function startDaemon(i: StartInput): DaemonRecord {
  const fd = openSync(i.log, 'a');
  try {
    const child = spawn(i.bin, i.args, {
      cwd: i.cwd,
      env: i.env ?? process.env,
      detached: true,
      stdio: ['ignore', fd, fd],
    });
    child.unref();
    if (!child.pid) throw new Error(`could not start ${i.name} (${i.bin})`);
    return { name: i.name, pid: child.pid, bin: i.bin, log: i.log };
  } finally {
    closeSync(fd);
  }
}

/**
 * True when `pid` is alive AND is still our binary: after a reboot or a long pause the PID may
 * belong to someone else, and we must never signal that process.
 */
export function isOurs(d: DaemonRecord): boolean {
  try {
    const cmdline = readFileSync(`/proc/${d.pid}/cmdline`, 'utf8');
    const stat = readFileSync(`/proc/${d.pid}/stat`, 'utf8');
    // A zombie (state Z) has exited already; only its parent's bookkeeping remains.
    if (/^\d+ \(.*\) Z/.test(stat)) return false;
    return cmdline.split('\0')[0] === d.bin;
  } catch {
    return false;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** SIGTERM to the daemon's process group, then SIGKILL after `graceMs`. Resolves once gone. */
export async function stopDaemon(d: DaemonRecord, graceMs = 5000): Promise<void> {
  if (!isOurs(d)) return;
  const signal = (sig: NodeJS.Signals) => {
    try {
      process.kill(-d.pid, sig);
    } catch {
      try {
        process.kill(d.pid, sig);
      } catch {
        // already gone
      }
    }
  };
  signal('SIGTERM');
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (!isOurs(d)) return;
    await sleep(50);
  }
  signal('SIGKILL');
  while (isOurs(d)) await sleep(50);
}

/** Synchronous best-effort kill, for process 'exit' handlers where nothing async runs. */
export function killNow(d: DaemonRecord): void {
  if (!isOurs(d)) return;
  try {
    process.kill(-d.pid, 'SIGKILL');
  } catch {
    // gone
  }
}

export async function logTail(file: string, lines = 20): Promise<string> {
  try {
    const text = await readFile(file, 'utf8');
    return text.trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}
