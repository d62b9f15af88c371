/** helm package with the real helm: the archive depends on content only, and failures keep arguments out. */
import { cpSync, mkdtempSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { packageChart, prepareChart } from '../src/index.ts';

const charts = resolve(import.meta.dirname, '../../../charts');

/** A fresh copy of the library and one chart using it, with its own file times (as a new checkout has). */
function checkout(mtime: Date): string {
  const dir = mkdtempSync(join(tmpdir(), 'kosmos-pkg-'));
  for (const c of ['common', 'core-agents']) {
    cpSync(join(charts, c), join(dir, c), { recursive: true, filter: (s) => !s.includes(`${c}/charts`) });
  }
  for (const f of ['common/values.yaml', 'core-agents/values.yaml', 'core-agents/templates/deployment.yaml'])
    utimesSync(join(dir, f), mtime, mtime);
  return dir;
}

describe('helm package', () => {
  it('is byte-identical across checkouts with different file times, dependencies included', async () => {
    const a = checkout(new Date('2020-01-01T00:00:00Z'));
    const b = checkout(new Date());
    const digests: string[] = [];
    for (const dir of [a, b]) {
      await prepareChart(join(dir, 'core-agents'));
      for (const c of ['common', 'core-agents']) {
        const p = await packageChart({ dir: join(dir, c), destination: mkdtempSync(join(tmpdir(), 'kosmos-out-')) });
        digests.push(p.digest);
      }
    }
    expect(digests[0]).toMatch(/^sha256:[a-f0-9]{64}$/);
    expect([digests[2], digests[3]]).toEqual([digests[0], digests[1]]);
    // And content still counts: one changed byte, another archive.
    writeFileSync(join(b, 'common/values.yaml'), '# changed\n', { flag: 'a' });
    const changed = await packageChart({
      dir: join(b, 'common'),
      destination: mkdtempSync(join(tmpdir(), 'kosmos-out-')),
    });
    expect(changed.digest).not.toBe(digests[0]);
  });

  it('a failing call says what helm said, not the command line', async () => {
    const dir = checkout(new Date());
    const e = await packageChart({
      dir: join(dir, 'common'),
      destination: mkdtempSync(join(tmpdir(), 'kosmos-out-')),
      sign: { key: 'someone', keyring: join(dir, 'no-such-keyring.gpg'), passphraseFile: join(dir, 'pass') },
    }).catch((x: Error) => x);
    expect(e).toBeInstanceOf(Error);
    expect((e as Error).message).toMatch(/^helm package common: /);
    expect((e as Error).message).not.toMatch(/--key|--keyring|--passphrase-file|--destination|someone/);
  });
});
