import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Environment, Release } from '@kosmos/environment';
import { UserError } from '@kosmos/errors';
import { parse } from 'yaml';

/** Where helm takes a release's chart from. */
export type ChartSource =
  | { kind: 'tree'; dir: string; version: string }
  | { kind: 'oci'; ref: string; version: string }
  | { kind: 'upstream'; repository: string; name: string; version: string };

/** A render that cannot start for a reason the user can fix; printed as one line. */
export class RenderError extends UserError {
  override name = 'RenderError';
}

export type SourcePreference = 'auto' | 'tree' | 'registry';

export function treeVersion(dir: string): string {
  return String((parse(readFileSync(join(dir, 'Chart.yaml'), 'utf8')) as { version: unknown }).version);
}

/**
 * Picks the chart a release renders from. A chart of this repository pinned to the version the
 * tree carries renders from the tree (`auto`): a published version is immutable and `release`
 * refuses to publish other content under it, so the two are the same chart, and rendering needs
 * no registry. Any other pin comes from the environment's registry.
 */
export function chartSource(
  env: Environment,
  r: Release,
  o: { registryUrl?: string; prefer?: SourcePreference } = {},
): ChartSource {
  const c = r.chart;
  if (c.kind === 'upstream') return { kind: 'upstream', repository: c.repository, name: c.name, version: r.version };
  const inTree = treeVersion(c.dir);
  const prefer = o.prefer ?? 'auto';
  if (r.version === 'tree' || prefer === 'tree' || (prefer === 'auto' && r.version === inTree)) {
    return { kind: 'tree', dir: c.dir, version: inTree };
  }
  const base = o.registryUrl ?? (env.registry.local ? undefined : env.registry.url);
  if (!base)
    throw new RenderError(
      `${env.name}/${r.name}: no registry to fetch ${c.name} ${r.version} from (start it with \`pnpm run up\`)`,
    );
  return { kind: 'oci', ref: `${base.replace(/\/$/, '')}/${c.name}`, version: r.version };
}
