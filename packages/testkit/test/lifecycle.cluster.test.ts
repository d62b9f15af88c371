import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const repo = resolve(import.meta.dirname, '../../..');

/** Running means: the PID exists and is not a zombie waiting to be reaped. */
function running(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

interface UpJson {
  reused: boolean;
  kubeconfig: string;
  registry: string;
  pids: { name: string; pid: number }[];
}

describe('pnpm run up / down', () => {
  it('starts once, reuses a running environment, and down leaves none of its processes running', async () => {
    const env = { ...process.env, KOSMOS_STATE_DIR: await mkdtemp(join(tmpdir(), 'kosmos-updown-')) };
    const pnpm = async (...args: string[]) =>
      (await run('pnpm', ['--silent', 'run', ...args], { cwd: repo, env })).stdout;

    const first = JSON.parse(await pnpm('up', '--json')) as UpJson;
    expect(first.reused).toBe(false);
    expect(first.registry).toMatch(/^oci:\/\/127\.0\.0\.1:\d+$/);
    expect(first.pids.map((p) => p.name)).toEqual([
      'etcd',
      'kube-apiserver',
      'kube-controller-manager',
      'kube-scheduler',
      'kwok',
      'registry',
    ]);
    for (const p of first.pids) expect(running(p.pid), `${p.name} running`).toBe(true);

    const second = JSON.parse(await pnpm('up', '--json')) as UpJson;
    expect(second.reused).toBe(true);
    expect(second.pids).toEqual(first.pids);

    const down = JSON.parse(await pnpm('down', '--json')) as { stopped: { pid: number }[] };
    expect(down.stopped.map((p) => p.pid).sort()).toEqual(first.pids.map((p) => p.pid).sort());
    for (const p of first.pids) expect(running(p.pid), `${p.name} (pid ${p.pid}) after down`).toBe(false);
  });
});
