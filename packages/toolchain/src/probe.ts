import { execFile } from 'node:child_process';
import { constants } from 'node:fs';
import { access, realpath } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';
import type { ToolName } from './catalog.ts';
import { DELIVERY_VERSION_ARGS } from './delivery.ts';
import { FLEET_VERSION_ARGS } from './fleet.ts';

const run = promisify(execFile);

const VERSION_ARGS: Record<ToolName, string[]> = {
  ...DELIVERY_VERSION_ARGS,
  ...FLEET_VERSION_ARGS,
  helm: ['version', '--template', '{{.Version}}'],
  etcd: ['--version'],
  etcdctl: ['version'],
  etcdutl: ['version'],
  'kube-apiserver': ['--version'],
  'kube-controller-manager': ['--version'],
  'kube-scheduler': ['--version'],
  kubectl: ['version', '--client'],
  kwok: ['--version'],
  registry: ['--version'],
  'rollouts-controller': ['--version'],
  traefik: ['version'],
  'prometheus-operator': ['--version'],
  prometheus: ['--version'],
  promtool: ['--version'],
  amtool: ['--version'],
  rclone: ['version'],
};

/** The first x.y.z in a tool's own version output, or undefined when it prints none. */
export function parseVersion(output: string): string | undefined {
  const m = /v?(\d+\.\d+\.\d+(?:-[0-9A-Za-z.]+)?)/.exec(output);
  return m ? `v${m[1]}` : undefined;
}

async function isExecutable(path: string): Promise<boolean> {
  try {
    await access(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Absolute paths of `names` in the given directories, in directory order; a binary reachable
 * twice (/bin is often a link to /usr/bin) is listed once.
 */
export async function findInDirs(names: string[], dirs: string[]): Promise<string[]> {
  const hits: string[] = [];
  const seen = new Set<string>();
  for (const dir of dirs) {
    for (const name of names) {
      const p = join(dir, name);
      if (!(await isExecutable(p))) continue;
      const real = await realpath(p);
      if (seen.has(real)) continue;
      seen.add(real);
      hits.push(p);
    }
  }
  return hits;
}

export function pathDirs(env: NodeJS.ProcessEnv = process.env): string[] {
  return (env.PATH ?? '').split(delimiter).filter(Boolean);
}

/**
 * Asks a binary for its version; falls back to the module version Go stamped into it (a plain
 * `go install` leaves some tools without a version string of their own).
 */
export async function probeVersion(tool: ToolName, path: string): Promise<string | undefined> {
  try {
    const { stdout, stderr } = await run(path, VERSION_ARGS[tool], { timeout: 15_000 });
    const v = parseVersion(`${stdout}\n${stderr}`);
    if (v) return v;
  } catch {
    // fall through to the build info
  }
  try {
    const { stdout } = await run('go', ['version', '-m', path], { timeout: 15_000 });
    const mod = /^\s*mod\s+\S+\s+(v\d+\.\d+\.\d+\S*)/m.exec(stdout);
    return mod?.[1];
  } catch {
    return undefined;
  }
}
