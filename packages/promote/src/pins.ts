import { isMap, isScalar, parseDocument, type YAMLMap } from 'yaml';
import type { ChartPin, FileLocation, ImagePin } from './types.ts';

/** Registry assumed for an image that names none, as container runtimes do. */
export const DEFAULT_IMAGE_REGISTRY = 'docker.io';

/** Keys whose mapping is an image pin: `image`, or ending in `Image` (`mcImage`, `initImage`). */
export const isImageKey = (key: string) => key === 'image' || /[a-z]Image$/.test(key);

/** What pins reading needs of a release: its name, chart and values files (relative paths + text). */
export interface ReleaseFiles {
  release: string;
  values: { file: string; text: string }[];
}

const str = (m: YAMLMap, k: string): string | undefined => {
  const v = m.get(k);
  return typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined;
};

/**
 * Every image pin of a release: walks each values file in helm's order; a later file's mapping at
 * the same key path replaces an earlier one's (helm merges key by key, but a pin is the mapping
 * as a whole: registry, repository, tag and digest move together).
 */
export function imagePins(r: ReleaseFiles): { pins: ImagePin[]; problems: string[] } {
  const byKey = new Map<string, ImagePin>();
  const problems: string[] = [];
  for (const f of r.values) {
    const doc = parseDocument(f.text);
    if (doc.errors.length) {
      problems.push(`${f.file}: not valid YAML: ${doc.errors[0]?.message.split('\n')[0]}`);
      continue;
    }
    const walk = (node: unknown, path: string[]) => {
      if (!isMap(node)) return;
      for (const pair of node.items) {
        const k = isScalar(pair.key) ? String(pair.key.value) : undefined;
        if (k === undefined) continue;
        const here = [...path, k];
        if (isImageKey(k) && isMap(pair.value)) {
          const m = pair.value;
          const repository = str(m, 'repository');
          const tag = str(m, 'tag');
          if (repository && tag) {
            const at: FileLocation = { file: f.file, path: here };
            byKey.set(here.join('.'), {
              release: r.release,
              key: here.join('.'),
              registry: str(m, 'registry') || DEFAULT_IMAGE_REGISTRY,
              repository,
              tag,
              digest: str(m, 'digest') ?? '',
              at,
            });
            continue;
          }
        }
        walk(pair.value, here);
      }
    };
    walk(doc.contents, []);
  }
  return { pins: [...byKey.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)), problems };
}

/**
 * The chart pins of an environment, read from its environment.yaml text (the file is what gets
 * written, so each pin's index is the file's own), with dev's `tree` resolved to the tree's version.
 */
export function chartPins(text: string, file: string, treeVersion: (chart: string) => string): ChartPin[] {
  const data = parseDocument(text).toJS() as {
    releases?: { name: string; chart: string | { name: string; repository: string }; version: string | number }[];
  };
  return (data.releases ?? []).map((r, i) => {
    const raw = String(r.version);
    const chart = typeof r.chart === 'string' ? r.chart : r.chart.name;
    return {
      release: r.name,
      chart,
      kind: typeof r.chart === 'string' ? 'repo' : 'upstream',
      raw,
      version: raw === 'tree' ? treeVersion(chart) : raw,
      at: { file, path: ['releases', i, 'version'] },
      ...(typeof r.chart === 'string' ? {} : { repository: r.chart.repository }),
    };
  });
}

/** `registry/repository:tag`, the way people and runtimes write it. */
export const imageRef = (p: { registry: string; repository: string; tag: string }) =>
  `${p.registry}/${p.repository}:${p.tag}`;
