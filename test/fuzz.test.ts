import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { renderInventoryFile } from '@kosmos/bootstrap';
import { loadEnvironment } from '@kosmos/environment';
import { UserError } from '@kosmos/errors';
import { afterAll, describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';

// Random mutations of the valid environment and inventory files, fed to their loaders: whatever a
// person can type must come back as one of our UserErrors (one line per problem, exit 2), never
// a TypeError or a stack trace. Reproducible: KOSMOS_FUZZ_SEED=<seed printed on failure>.
const SEED = Number(process.env.KOSMOS_FUZZ_SEED ?? Date.now() % 1_000_000);
const COUNT = Number(process.env.KOSMOS_FUZZ_COUNT ?? 150);

const repo = resolve(import.meta.dirname, '..');
const root = mkdtempSync(join(tmpdir(), 'kosmos-fuzz-'));
cpSync(join(repo, 'charts'), join(root, 'charts'), { recursive: true, filter: (p) => !p.includes('/charts/charts') });
cpSync(join(repo, 'environments'), join(root, 'environments'), { recursive: true });
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** mulberry32: small, seedable, good enough to pick mutations. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Rand = () => number;
const pick = <T>(r: Rand, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)] as T;

const ODD_VALUES: unknown[] = [
  null,
  0,
  -1,
  1e308,
  3.5,
  true,
  '',
  ' ',
  'x'.repeat(5000),
  '../../../../etc/passwd',
  '10.43.0.10/33',
  '999.1.1.1',
  'tree',
  '~',
  '*',
  '$' + '{TOKEN}', // an unexpanded shell variable
  [],
  [null],
  {},
  { '': 1 },
  { __proto__: 1 },
  { constructor: { prototype: 1 } },
  '0.0.0.0',
  'v1.2',
];
const ODD_TEXT = [
  '\t',
  ':',
  '- ',
  '{',
  '}',
  '[',
  '"',
  "'",
  '\n',
  '#',
  '&a',
  '*a',
  '!!binary',
  '<<: *a',
  '%',
  '\0',
  '—',
  '\r',
  '? ',
];

/** Paths to every value in a parsed YAML tree. */
function paths(v: unknown, at: (string | number)[] = [], out: (string | number)[][] = []): (string | number)[][] {
  out.push(at);
  if (Array.isArray(v)) for (const [i, x] of v.entries()) paths(x, [...at, i], out);
  else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) paths(x, [...at, k], out);
  return out;
}

/** A wrong value, a missing key or an unexpected key, somewhere in the data. */
function dataMutation(text: string, r: Rand): string {
  const doc = parseDocument(text);
  // Data-level mutations need a document the yaml library can write back.
  if (doc.errors.length > 0) return text;
  const all = paths(doc.toJS()).filter((p) => p.length > 0);
  if (all.length === 0) return text;
  const p = pick(r, all);
  const kind = Math.floor(r() * 3);
  try {
    if (kind === 0) doc.setIn(p, pick(r, ODD_VALUES));
    else if (kind === 1) doc.deleteIn(p);
    else
      doc.setIn([...p.slice(0, -1), pick(r, ['zz', 'name', 'nodes', '0', 'releases', 'version'])], pick(r, ODD_VALUES));
  } catch {
    return text; // a path the yaml library cannot set (a key into a list): not the loader's concern
  }
  return doc.toString();
}

/** One mutation of a YAML text: at the text (typos, tabs, cuts) or at the data (wrong values, keys). */
function mutate(text: string, r: Rand): string {
  const lines = text.split('\n');
  switch (Math.floor(r() * 8)) {
    case 0: {
      const i = Math.floor(r() * text.length);
      return text.slice(0, i) + text.slice(i + 1 + Math.floor(r() * 5));
    }
    case 1: {
      const i = Math.floor(r() * text.length);
      return text.slice(0, i) + pick(r, ODD_TEXT) + text.slice(i);
    }
    case 2:
      lines.splice(Math.floor(r() * lines.length), 1);
      return lines.join('\n');
    case 3: {
      const i = Math.floor(r() * lines.length);
      lines.splice(i, 0, lines[i] ?? '');
      return lines.join('\n');
    }
    case 4:
      return text.slice(0, Math.floor(r() * text.length));
    default: {
      try {
        return dataMutation(text, r);
      } catch {
        return text; // text the yaml library itself cannot turn into data (an unresolved alias)
      }
    }
  }
}

/** Runs `load` on COUNT mutations (1-3 each) of `file`; any non-UserError fails with the seed. */
async function fuzz(file: string, load: () => Promise<unknown> | unknown): Promise<{ ok: number; user: number }> {
  const original = readFileSync(file, 'utf8');
  const r = prng(SEED);
  const tally = { ok: 0, user: 0 };
  try {
    for (let i = 0; i < COUNT; i++) {
      let text = original;
      for (let n = 1 + Math.floor(r() * 3); n > 0; n--) text = mutate(text, r);
      writeFileSync(file, text);
      try {
        await load();
        tally.ok++;
      } catch (e) {
        if (e instanceof UserError) {
          tally.user++;
          expect(e.message, `seed ${SEED}, case ${i}`).not.toMatch(/\n\s+at /);
          continue;
        }
        throw new Error(
          `KOSMOS_FUZZ_SEED=${SEED} case ${i}: ${file} made the loader throw ${(e as Error)?.name}: ${(e as Error)?.message}\n--- mutated file ---\n${text}`,
          { cause: e },
        );
      }
    }
  } finally {
    writeFileSync(file, original);
  }
  return tally;
}

describe(`fuzz (seed ${SEED}, ${COUNT} cases per file)`, () => {
  for (const env of ['dev', 'staging', 'production']) {
    it(`loadEnvironment: mutations of ${env}/environment.yaml only ever throw UserError`, async () => {
      const t = await fuzz(join(root, 'environments', env, 'environment.yaml'), () => loadEnvironment(root, env));
      // Most mutations must be caught: a fuzzer whose mutations all load proves nothing.
      expect(t.user).toBeGreaterThan(COUNT / 4);
    });
  }
  for (const env of ['staging', 'production']) {
    it(`inventory loader: mutations of ${env}/inventory.yaml only ever throw UserError`, async () => {
      const file = join(root, 'environments', env, 'inventory.yaml');
      const t = await fuzz(file, () => renderInventoryFile(file, env, root));
      expect(t.user).toBeGreaterThan(COUNT / 4);
    });
  }
});

describe('found by the fuzzer', () => {
  const bomb = [
    'a: &a [x, x, x, x, x, x, x, x, x]',
    'b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]',
    'c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]',
    'd: [*c, *c, *c, *c, *c, *c, *c, *c, *c]',
    '',
  ].join('\n');
  it('an alias to no anchor, or an alias bomb, in environment.yaml is one located line, exit 2', () => {
    const file = join(root, 'environments', 'dev', 'environment.yaml');
    const original = readFileSync(file, 'utf8');
    try {
      writeFileSync(file, original.replace('needs: [platform, data-tier]', 'needs: [platform, *nope]'));
      expect(() => loadEnvironment(root, 'dev')).toThrow(
        /environment\.yaml:\d+:\d+: invalid YAML: Unresolved alias \(the anchor must be set before the alias\): nope$/,
      );
      writeFileSync(file, bomb);
      const e = (() => {
        try {
          loadEnvironment(root, 'dev');
        } catch (x) {
          return x as UserError;
        }
      })();
      expect(e).toBeInstanceOf(UserError);
      expect(e?.exitCode).toBe(2);
      expect(e?.message).toMatch(/environment\.yaml:\d+:\d+: invalid YAML: Excessive alias count/);
    } finally {
      writeFileSync(file, original);
    }
  });
  it('the same in an inventory', async () => {
    const file = join(root, 'environments', 'staging', 'inventory.yaml');
    const original = readFileSync(file, 'utf8');
    try {
      writeFileSync(file, `${original}\nextra: *nope\n`);
      await expect(renderInventoryFile(file, 'staging', root)).rejects.toThrow(/Unresolved alias/);
      writeFileSync(file, bomb);
      await expect(renderInventoryFile(file, 'staging', root)).rejects.toThrow(/Excessive alias count/);
    } finally {
      writeFileSync(file, original);
    }
  });
});
