import { execFile } from 'node:child_process';
import { relative } from 'node:path';

function git(root: string, args: string[]): Promise<{ ok: boolean; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('git', ['-C', root, ...args], { maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) =>
      resolve({ ok: !err, stdout, stderr }),
    );
  });
}

/** Every tag of the repository; undefined when `root` is not a git work tree (nothing gets tagged). */
export async function gitTags(root: string): Promise<Set<string> | undefined> {
  const inside = await git(root, ['rev-parse', '--is-inside-work-tree']);
  if (!inside.ok || inside.stdout.trim() !== 'true') return undefined;
  const r = await git(root, ['tag', '--list']);
  return new Set(r.stdout.split('\n').filter(Boolean));
}

/** Chart folders with uncommitted changes: a tag there would name a commit that does not hold what was pushed. */
export async function dirtyPaths(root: string, dirs: string[]): Promise<Set<string>> {
  const r = await git(root, ['status', '--porcelain', '--', ...dirs.map((d) => relative(root, d))]);
  const dirty = new Set<string>();
  for (const line of r.stdout.split('\n').filter(Boolean)) {
    const path = line.slice(3).replace(/^.* -> /, '');
    for (const d of dirs) if (`${path}/`.startsWith(`${relative(root, d)}/`)) dirty.add(d);
  }
  return dirty;
}

/** An annotated tag at HEAD, as changesets makes them (`git tag NAME -m NAME`). */
export async function createTag(root: string, name: string): Promise<void> {
  const r = await git(root, ['tag', '-a', name, '-m', name]);
  if (!r.ok) throw new Error(`git tag ${name}: ${r.stderr.trim().split('\n')[0]}`);
}
