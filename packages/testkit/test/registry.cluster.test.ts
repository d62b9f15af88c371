import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { localCluster } from '../src/vitest.ts';

const run = promisify(execFile);
const env = localCluster();
/** helm's combined output (it reports digests on stderr) and its stdout alone. */
const helm = async (...args: string[]) => {
  const r = await run(env.helm, args);
  return Object.assign(r.stdout + r.stderr, { stdout: r.stdout });
};
const sha256 = async (f: string) =>
  createHash('sha256')
    .update(await readFile(f))
    .digest('hex');
const digestOf = (out: string) => /Digest:\s*(sha256:[0-9a-f]{64})/.exec(out)?.[1];

describe('local OCI registry', () => {
  it('gives back the chart helm pushed: same digest on push and pull, same bytes, same Chart.yaml', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'kosmos-registry-'));
    const chart = join(dir, 'tiny');
    await mkdir(join(chart, 'templates'), { recursive: true });
    const chartYaml = 'apiVersion: v2\nname: tiny\nversion: 0.1.0\ndescription: registry round-trip test\n';
    await writeFile(join(chart, 'Chart.yaml'), chartYaml);
    await writeFile(
      join(chart, 'templates', 'cm.yaml'),
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}\ndata:\n  k: v\n',
    );
    await helm('package', chart, '-d', dir);
    const tgz = join(dir, 'tiny-0.1.0.tgz');

    const pushed = digestOf(await helm('push', tgz, `oci://${env.registry}/charts`, '--plain-http'));
    expect(pushed).toMatch(/^sha256:/);

    const shown = parse(
      (await helm('show', 'chart', `oci://${env.registry}/charts/tiny`, '--version', '0.1.0', '--plain-http')).stdout,
    );
    expect(shown).toMatchObject(parse(chartYaml));

    const out = join(dir, 'pulled');
    await mkdir(out);
    const pulled = digestOf(
      await helm('pull', `oci://${env.registry}/charts/tiny`, '--version', '0.1.0', '-d', out, '--plain-http'),
    );
    expect(pulled).toBe(pushed);
    expect(await sha256(join(out, 'tiny-0.1.0.tgz'))).toBe(await sha256(tgz));
  });
});
