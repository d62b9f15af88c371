import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** An image to stand in for a real one in the local registry: `repository:tag` under its host. */
export interface TestImage {
  repository: string;
  tag: string;
}

function run(bin: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0
        ? resolve(out.trim())
        : reject(new Error(`${bin.split('/').pop()} ${args[0]}: ${err.trim() || `exit ${code}`}`)),
    );
  });
}

/**
 * Pushes one small image per `repository:tag` to a local registry with crane, so that image
 * digests resolve for real against the local registry (which stands in, as a mirror, for the
 * registries the values name). Each image is one layer holding a file that names it, built the
 * same way every time (fixed mtime and owner), so its digest is stable across pushes. A tag
 * that is already there is left alone. Returns every image's digest as the registry reports it.
 */
export async function pushTestImages(o: {
  registry: string;
  crane: string;
  images: readonly TestImage[];
  log?: (line: string) => void;
}): Promise<{ ref: string; digest: string; pushed: boolean }[]> {
  const dir = await mkdtemp(join(tmpdir(), 'kosmos-test-image-'));
  const out: { ref: string; digest: string; pushed: boolean }[] = [];
  try {
    for (const img of o.images) {
      const ref = `${o.registry}/${img.repository}:${img.tag}`;
      const existing = await run(o.crane, ['digest', '--insecure', ref]).catch(() => undefined);
      if (existing) {
        out.push({ ref, digest: existing, pushed: false });
        continue;
      }
      const content = join(dir, 'content');
      await rm(content, { recursive: true, force: true });
      await run('mkdir', ['-p', content]);
      await writeFile(join(content, 'kosmos-test-image'), `${img.repository}:${img.tag}\n`);
      const layer = join(dir, 'layer.tar');
      await run('tar', [
        '--sort=name',
        '--owner=0',
        '--group=0',
        '--numeric-owner',
        '--mtime=@0',
        '-cf',
        layer,
        '-C',
        content,
        '.',
      ]);
      await run(o.crane, ['append', '--insecure', '--oci-empty-base', '-f', layer, '-t', ref]);
      const digest = await run(o.crane, ['digest', '--insecure', ref]);
      o.log?.(`pushed test image ${ref} (${digest})`);
      out.push({ ref, digest, pushed: true });
    }
    return out;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
