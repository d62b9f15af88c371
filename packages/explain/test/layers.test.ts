import { HIDDEN } from '@kosmos/diff';
import { EnvironmentError } from '@kosmos/environment';
import { UserError } from '@kosmos/errors';
import { describe, expect, it } from 'vitest';
import { explainLayers, formatKey, mergeValues, nearestKeys, parseKey, type ValuesLayer } from '../src/index.ts';

const chart = (text: string): ValuesLayer => ({ file: 'charts/c/values.yaml', text, kind: 'chart' });
const env = (file: string, text: string, promotedInto = false): ValuesLayer => ({
  file,
  text,
  kind: 'environment',
  ...(promotedInto ? { promotedInto } : {}),
});

describe('parseKey / formatKey', () => {
  it('reads dotted paths, list indices and quoted names', () => {
    expect(parseKey('agents.zeus.replicas')).toEqual(['agents', 'zeus', 'replicas']);
    expect(parseKey('a.b[0].c')).toEqual(['a', 'b', 0, 'c']);
    expect(parseKey('commonLabels["app.kubernetes.io/part-of"]')).toEqual([
      'commonLabels',
      'app.kubernetes.io/part-of',
    ]);
    expect(parseKey('a[1][2]')).toEqual(['a', 1, 2]);
    expect(formatKey(['commonLabels', 'app.kubernetes.io/part-of', 0])).toBe(
      'commonLabels["app.kubernetes.io/part-of"][0]',
    );
    expect(formatKey(parseKey('a.b[0].c'))).toBe('a.b[0].c');
  });
  it.each(['', 'a..b', 'a.', '.a', 'a[x]', 'a[0', 'a[0]b'])('refuses %j as bad usage (exit 2)', (k) => {
    const e = (() => {
      try {
        parseKey(k);
      } catch (x) {
        return x;
      }
    })();
    expect(e).toBeInstanceOf(UserError);
    expect((e as UserError).exitCode).toBe(2);
    expect((e as UserError).message).toMatch(/expected a dotted path/);
  });
});

describe('mergeValues: helm semantics', () => {
  it('merges maps, replaces lists and scalars, deletes on null', () => {
    expect(
      mergeValues([
        { a: { b: 1, c: 2 }, l: [1, 2, 3], s: 'x', gone: { deep: 1 }, keep: 1 },
        { a: { c: 3, d: 4 }, l: [9], s: { now: 'map' }, gone: null },
      ]),
    ).toEqual({ a: { b: 1, c: 3, d: 4 }, l: [9], s: { now: 'map' }, keep: 1 });
  });
  it('a later layer sets again what an earlier one deleted', () => {
    expect(mergeValues([{ a: 1 }, { a: null }, { a: 2 }])).toEqual({ a: 2 });
  });
});

describe('explainLayers', () => {
  const layers = [
    chart('replicas: 2\nimage:\n  tag: v1\n  password: hunter2\nlist:\n  - name: a\n    port: 1\nmap:\n  x: 1\n'),
    env('environments/staging/values/c.yaml', '# staging\nreplicas: 1\nlist: []\n'),
    env('environments/production/values/c.yaml', 'replicas: 3\nimage:\n  tag: v2\nmap: null\n', true),
  ];

  it('names every layer that sets a key with file:line:col, in order, and the winner', () => {
    const e = explainLayers(layers, parseKey('replicas'));
    expect(e.values).toHaveLength(1);
    const v = e.values[0];
    expect(v?.layers.map((s) => `${s.file}:${s.line}:${s.col} ${s.how} ${String(s.value)}`)).toEqual([
      'charts/c/values.yaml:1:1 sets 2',
      'environments/staging/values/c.yaml:2:1 sets 1',
      'environments/production/values/c.yaml:1:1 sets 3',
    ]);
    expect(v?.winner?.file).toBe('environments/production/values/c.yaml');
    expect(v?.final).toEqual({ set: true, value: 3 });
  });

  it('a list replaced whole: an item key is decided by the layer that writes the list', () => {
    const v = explainLayers(layers, parseKey('list[0].port')).values[0];
    expect(v?.layers.map((s) => [s.file, s.line, s.how, s.at])).toEqual([
      ['charts/c/values.yaml', 7, 'sets', 'list[0].port'],
      ['environments/staging/values/c.yaml', 3, 'replaces', 'list'],
    ]);
    expect(v?.final).toEqual({ set: false });
  });

  it('null at an ancestor deletes the keys under it', () => {
    const v = explainLayers(layers, parseKey('map.x')).values[0];
    expect(v?.winner).toMatchObject({ how: 'deletes', at: 'map', line: 4 });
    expect(v?.final).toEqual({ set: false });
  });

  it('a key naming a map is explained value by value; image pins in a promoted file are marked', () => {
    const e = explainLayers(layers, parseKey('image'));
    expect(e.values.map((v) => v.key)).toEqual(['image.password', 'image.tag']);
    const tag = e.values[1];
    expect(tag?.layers.map((s) => [s.file, s.promoted ?? false])).toEqual([
      ['charts/c/values.yaml', false],
      ['environments/production/values/c.yaml', true],
    ]);
  });

  it('masks secret-looking values in every layer and in the final value', () => {
    const v = explainLayers(layers, parseKey('image.password')).values[0];
    expect(v?.secret).toBe(true);
    expect(v?.layers[0]?.value).toBe(HIDDEN);
    expect(v?.final).toEqual({ set: true, value: HIDDEN });
    const all = JSON.stringify(explainLayers(layers));
    expect(all).not.toContain('hunter2');
    // A whole map shown as one value is masked inside as well.
    const whole = explainLayers(
      [chart('db:\n  password: s3cret\n'), env('e.yaml', 'db: 5\n')],
      parseKey('db.password'),
    );
    expect(JSON.stringify(whole)).not.toContain('s3cret');
  });

  it('without a key: every value, sorted, an empty map filled by a later layer not listed apart', () => {
    const e = explainLayers([chart('b: {}\na: 1\n'), env('e.yaml', 'b:\n  c: 2\n')]);
    expect(e.values.map((v) => [v.key, v.final])).toEqual([
      ['a', { set: true, value: 1 }],
      ['b.c', { set: true, value: 2 }],
    ]);
  });

  it('finds no value for a key nobody sets, and says what is there instead', () => {
    expect(explainLayers(layers, parseKey('replica')).values).toEqual([]);
    expect(nearestKeys(layers, parseKey('image.tga'))).toEqual({ at: 'image', keys: ['password', 'tag'] });
    expect(nearestKeys(layers, parseKey('list[3]'))).toEqual({ at: 'list', keys: ['a list of 0 items'] });
    expect(nearestKeys(layers, parseKey('replicas.min'))).toEqual({
      at: 'replicas',
      keys: ['no keys, it is the value 3'],
    });
    expect(nearestKeys(layers, parseKey('image.password.x')).keys[0]).toBe('no keys, it is the value "<hidden>"');
  });

  it('a values file that is not YAML is bad input at its line', () => {
    expect(() => explainLayers([chart('a: 1\n'), env('e.yaml', 'a:\n\tb: 1\n')])).toThrow(EnvironmentError);
    expect(() => explainLayers([env('e.yaml', '- 1\n')])).toThrow(/e\.yaml:1:1: expected a map/);
  });
});
