import semver from 'semver';

/** What the registry holds at `<chart>:<version>`. */
export type Published =
  | { state: 'absent' }
  | {
      state: 'present';
      /** Digest of the chart layer; undefined when the tag holds something that is not a chart. */
      chartDigest: string | undefined;
      signed: boolean;
    };

export interface PlanChart {
  name: string;
  version: string;
}

export interface PlanInput {
  charts: readonly PlanChart[];
  /** Registry answers by chart name. */
  published: ReadonlyMap<string, Published>;
  /** sha256 of the archive built from the tree, by chart name (`sha256:…`). */
  built: ReadonlyMap<string, string>;
  /** Git tags that exist (`core-agents@0.1.0`); undefined: not a git repository, tag nothing. */
  gitTags: ReadonlySet<string> | undefined;
  /** Charts are being signed: a published unsigned chart is noted (it cannot be re-signed in place). */
  sign?: boolean;
}

export type Step =
  /** Absent from the registry: push, read the manifest back, tag. */
  | { action: 'push'; chart: string; version: string; digest: string; tag: string | undefined }
  /** Present with our content: nothing to push; tag if the tag is missing. */
  | { action: 'skip'; chart: string; version: string; digest: string; tag: string | undefined; note?: string }
  /** Present with other content, or not releasable: named with why. */
  | { action: 'refuse'; chart: string; version: string; reason: string; built?: string; published?: string };

export interface ReleasePlan {
  steps: Step[];
  push: number;
  skip: number;
  refuse: number;
}

/** changesets' tag form: `<package>@<version>`, with the chart's name as the package. */
export const gitTagOf = (chart: string, version: string): string => `${chart}@${version}`;

/**
 * What release will do, from data only: no registry, helm or git here. A version that exists with
 * other content is refused, never overwritten (`helm push` would silently replace the tag:
 * helm#9985 leaves immutability to the registry). Manifest digests are not compared: helm stamps
 * a creation time into each manifest, so only the chart layer identifies the content.
 */
export function planRelease(i: PlanInput): ReleasePlan {
  const steps: Step[] = [];
  for (const c of i.charts) {
    const base = { chart: c.name, version: c.version };
    if (!semver.valid(c.version)) {
      steps.push({ action: 'refuse', ...base, reason: `version "${c.version}" is not a semantic version` });
      continue;
    }
    const built = i.built.get(c.name);
    if (!built) {
      steps.push({ action: 'refuse', ...base, reason: 'no archive was built for it' });
      continue;
    }
    const tagName = gitTagOf(c.name, c.version);
    const tag = i.gitTags && !i.gitTags.has(tagName) ? tagName : undefined;
    const p = i.published.get(c.name) ?? { state: 'absent' };
    if (p.state === 'absent') {
      steps.push({ action: 'push', ...base, digest: built, tag });
    } else if (p.chartDigest === undefined) {
      steps.push({
        action: 'refuse',
        ...base,
        built,
        reason: `version ${c.version} exists in the registry and is not a helm chart`,
      });
    } else if (p.chartDigest === built) {
      steps.push({
        action: 'skip',
        ...base,
        digest: built,
        tag,
        ...(i.sign && !p.signed ? { note: 'published unsigned; a version cannot be re-signed in place' } : {}),
      });
    } else {
      steps.push({
        action: 'refuse',
        ...base,
        built,
        published: p.chartDigest,
        reason: `version ${c.version} is already published with other content (registry ${p.chartDigest}, tree ${built}): bump it with pnpm changeset`,
      });
    }
  }
  const n = (a: Step['action']) => steps.filter((s) => s.action === a).length;
  return { steps, push: n('push'), skip: n('skip'), refuse: n('refuse') };
}
