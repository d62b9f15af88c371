import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { type Environment, findRelease, locate, parseSource } from '@kosmos/environment';
import { EXIT, UserError } from '@kosmos/errors';
import { treeVersion } from '@kosmos/render';
import {
  type Commit,
  type Explanation,
  explainLayers,
  formatKey,
  nearestKeys,
  parseKey,
  type ValuesLayer,
} from './layers.ts';

export interface ReleaseExplanation extends Explanation {
  env: string;
  release: string;
  chart: {
    name: string;
    kind: 'repo' | 'upstream';
    version: string;
    /** Where the pin is written (environment.yaml). */
    pinnedAt: { file: string; line: number; col: number };
    /** The pin is `pnpm promote`'s to write: the environment promotes in from another. */
    promoted: boolean;
  };
  /** The files read, in the order helm applies them. */
  files: { file: string; kind: ValuesLayer['kind'] }[];
  /** What could not be read, so the final values may lack some defaults. */
  notes: string[];
}

export class ExplainError extends UserError {
  override name = 'ExplainError';
}

/** A file at a git revision, or undefined (no git, no such revision or file). */
function gitShow(root: string, rev: string, file: string): string | undefined {
  try {
    return execFileSync('git', ['show', `${rev}:${file}`], {
      cwd: root,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
  } catch {
    return undefined;
  }
}

/**
 * Line -> the commit that last wrote it, for one file (at `rev`, or the work tree), from one
 * `git blame --line-porcelain`. Lines not committed yet are left out; empty outside git.
 */
export function blameLines(root: string, file: string, rev?: string): Map<number, Commit> {
  const out = new Map<number, Commit>();
  let text: string;
  try {
    text = execFileSync('git', ['blame', '--line-porcelain', ...(rev ? [rev] : []), '--', file], {
      cwd: root,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
      maxBuffer: 64 * 1024 * 1024,
    });
  } catch {
    return out;
  }
  let sha = '';
  let line = 0;
  const fields: Record<string, string> = {};
  for (const l of text.split('\n')) {
    const head = /^([0-9a-f]{40}) \d+ (\d+)/.exec(l);
    if (head) {
      sha = head[1] as string;
      line = Number(head[2]);
    } else if (l.startsWith('\t')) {
      if (!/^0+$/.test(sha))
        out.set(line, {
          sha: sha.slice(0, 12),
          date: new Date(Number(fields['author-time'] ?? 0) * 1000).toISOString().slice(0, 10),
          author: fields.author ?? '',
          summary: fields.summary ?? '',
        });
    } else {
      const sp = l.indexOf(' ');
      if (sp > 0) fields[l.slice(0, sp)] = l.slice(sp + 1);
    }
  }
  return out;
}

/**
 * The chart's own values.yaml as helm would read it for this release, or why it cannot be had:
 * the tree's when the pin is the tree's version (render takes the chart from the tree then); for
 * another pin, the file at the release's git tag `<chart>@<version>` (what `pnpm release`
 * pushed); upstream charts are fetched by helm at render time and kept nowhere.
 */
function chartLayer(
  root: string,
  env: Environment,
  name: string,
): { layer?: ValuesLayer; note?: string; blameAt?: { file: string; rev: string } } {
  const r = findRelease(env, name);
  const c = r.chart;
  if (c.kind === 'upstream')
    return {
      note: `chart defaults not shown: upstream chart ${c.name} ${r.version} (${c.repository}) is fetched by helm when rendering and kept nowhere in this repository; only the environment's values files are layered`,
    };
  const file = relative(root, join(c.dir, 'values.yaml'));
  const inTree = treeVersion(c.dir);
  if (r.version === 'tree' || r.version === inTree) {
    if (!existsSync(join(c.dir, 'values.yaml'))) return { note: `${file} does not exist: no chart defaults` };
    return { layer: { file, text: readFileSync(join(c.dir, 'values.yaml'), 'utf8'), kind: 'chart' } };
  }
  const tag = `${c.name}@${r.version}`;
  const text = gitShow(root, tag, file);
  if (text !== undefined)
    return { layer: { file: `${file}@${tag}`, text, kind: 'chart' }, blameAt: { file, rev: tag } };
  return {
    note: `chart defaults not shown: ${env.name} pins ${c.name} ${r.version}, the tree holds ${inTree}, and no git tag ${tag} holds that version's ${file}`,
  };
}

/**
 * Every layer of a release's values and what each does to `key` (all values without it): the
 * chart's values.yaml, then each environment values file in the order helm applies them, with
 * the final value. An unknown release or a key no layer sets is bad input (exit 2).
 */
export function explainRelease(
  root: string,
  env: Environment,
  releaseName: string,
  key?: string,
  o: { blame?: boolean } = {},
): ReleaseExplanation {
  const r = findRelease(env, releaseName);
  const path = key === undefined ? undefined : parseKey(key);
  const chart = chartLayer(root, env, releaseName);
  const promotedInto = env.promotesFrom !== undefined;
  const layers: ValuesLayer[] = [
    ...(chart.layer ? [chart.layer] : []),
    ...r.values.map(
      (f): ValuesLayer => ({
        file: relative(root, f),
        text: readFileSync(f, 'utf8'),
        kind: 'environment',
        ...(promotedInto ? { promotedInto } : {}),
      }),
    ),
  ];
  const explained = explainLayers(layers, path);
  // A key only some ancestor list or scalar covers (`a.list[3]` past its end) is set by no one.
  if (path && !explained.values.some((v) => v.layers.some((l) => l.how !== 'replaces'))) {
    const near = nearestKeys(layers, path);
    const read = layers.map((l) => l.file).join(', ') || 'no values file';
    throw new ExplainError(
      `unknown key "${formatKey(path)}" in ${env.name}/${r.name}: no layer sets it (read ${read})${chart.note ? ' (chart defaults not read)' : ''}; ${near.at} has: ${near.keys.slice(0, 12).join(', ')}${near.keys.length > 12 ? ', ...' : ''}`,
      EXIT.usage,
    );
  }
  if (o.blame) {
    // One blame per file, only for files that set something shown.
    const blames = new Map<string, Map<number, Commit>>();
    const blameOf = (file: string) => {
      let b = blames.get(file);
      if (!b) {
        b =
          chart.blameAt && file === chart.layer?.file
            ? blameLines(root, chart.blameAt.file, chart.blameAt.rev)
            : blameLines(root, file);
        blames.set(file, b);
      }
      return b;
    };
    for (const v of explained.values)
      for (const s of v.layers) {
        const c = blameOf(s.file).get(s.line);
        if (c) s.commit = c;
      }
  }
  const envText = readFileSync(env.file, 'utf8');
  const src = parseSource(relative(root, env.file), envText);
  const index = env.releases.indexOf(r);
  return {
    env: env.name,
    release: r.name,
    chart: {
      name: r.chart.name,
      kind: r.chart.kind,
      version: r.version,
      pinnedAt: { file: src.file, ...locate(src, ['releases', index, 'version']) },
      promoted: promotedInto,
    },
    files: layers.map((l) => ({ file: l.file, kind: l.kind })),
    notes: chart.note ? [chart.note] : [],
    ...explained,
  };
}
