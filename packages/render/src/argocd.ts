/**
 * An environment handed to Argo CD: one ApplicationSet whose cluster generator picks every Argo CD
 * cluster labelled `environment: <env>` and whose list generator holds the releases, so each
 * cluster gets one Application per release, from the environment's registry at the pinned version.
 * Pure: from the environment and its values files to objects; `pnpm render --for argocd` prints
 * them and lint checks them against Argo CD's own CRD schemas.
 */
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import type { ArgoCd, Environment, Release } from '@kosmos/environment';
import { waves } from '@kosmos/environment';
import { EXIT } from '@kosmos/errors';
import type { KubeObject } from '@kosmos/objects';
import { parse, stringify } from 'yaml';
import { RenderError } from './source.ts';

/** Labels every generated Application carries: `pnpm status` finds a fleet's Applications by them. */
export const ARGO_LABELS = {
  environment: 'kosmos.dev/environment',
  release: 'kosmos.dev/release',
  cluster: 'kosmos.dev/cluster',
  wave: 'kosmos.dev/wave',
} as const;

/** The label of an Argo CD cluster Secret that puts the cluster in an environment's fleet. */
export const FLEET_LABEL = 'environment';

/** Generated Application names: `<cluster>-<release>`, unique in Argo CD's namespace. */
export function applicationName(cluster: string, release: string): string {
  return `${cluster}-${release}`;
}

export interface ArgoRenderOptions {
  /** The registry charts come from (default: the environment's; the local one for `registry: local`). */
  registryUrl?: string;
}

type Values = Record<string, unknown>;
const isMap = (v: unknown): v is Values => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Values files merged as helm merges `-f a -f b`: maps deep-merged, anything else replaced by the
 * later file, and a `null` deletes the key.
 */
export function mergeValues(base: Values, over: Values): Values {
  const out: Values = { ...base };
  for (const [k, v] of Object.entries(over)) {
    if (v === null) delete out[k];
    else if (isMap(v) && isMap(out[k])) out[k] = mergeValues(out[k] as Values, v);
    else out[k] = v;
  }
  return out;
}

function releaseValues(r: Release): Values {
  let merged: Values = {};
  for (const file of r.values) {
    const shown = relative(process.cwd(), file) || file;
    let data: unknown;
    try {
      data = parse(readFileSync(file, 'utf8'));
    } catch (e) {
      throw new RenderError(`${shown}: not YAML: ${(e as Error).message.split('\n')[0]}`, EXIT.usage);
    }
    if (data === null || data === undefined) continue;
    if (!isMap(data)) throw new RenderError(`${shown}: expected a map of values, got ${typeof data}`, EXIT.usage);
    merged = mergeValues(merged, data);
  }
  return merged;
}

/** Where Argo CD takes one release's chart from: an OCI chart (`path: .`) or a Helm repository. */
function sourceOf(env: Environment, r: Release, registryUrl: string | undefined) {
  if (r.chart.kind === 'upstream') return { repoURL: r.chart.repository, chart: r.chart.name, path: '' };
  const base = registryUrl ?? (env.registry.local ? undefined : env.registry.url);
  if (!base)
    throw new RenderError(
      `${env.name}: no registry for Argo CD to fetch the charts from (start it with \`pnpm run up\`)`,
      EXIT.usage,
    );
  // Argo CD's native OCI source (v3.1+): the repository is the chart itself, `path: .` for a helm chart.
  return { repoURL: `${base.replace(/\/$/, '')}/${r.chart.name}`, chart: '', path: '.' };
}

/** Why dev (`version: tree`) is not handed to Argo CD, said once per release. */
function refuseTree(env: Environment): void {
  const tree = env.releases.filter((r) => r.version === 'tree').map((r) => r.name);
  if (tree.length === 0) return;
  throw new RenderError(
    `${env.name}: ${tree.join(', ')} follow${tree.length === 1 ? 's' : ''} the tree ("version: tree"): Argo CD syncs released charts from the registry at a pinned version, and the working tree is neither released nor necessarily committed; deploy ${env.name} with \`pnpm run deploy --env ${env.name}\`, or pin released versions to hand it to Argo CD`,
    EXIT.usage,
  );
}

function argoOf(env: Environment): ArgoCd {
  if (env.argocd) return env.argocd;
  throw new RenderError(
    `${env.name} is not handed to Argo CD: add "argocd:" (namespace, prune, selfHeal) to ${relative(process.cwd(), env.file) || env.file}`,
    EXIT.usage,
  );
}

/**
 * The ApplicationSet of an environment. Values are inlined (`helm.values`, the release's values
 * files merged in order), not read by Argo CD from a git source: the ApplicationSet is then all
 * Argo CD needs besides the registry, and what a promotion rewrites (chart pins, image digests in
 * values files) is exactly what changes in it.
 */
export function argoApplicationSet(env: Environment, o: ArgoRenderOptions = {}): KubeObject {
  refuseTree(env);
  const argo = argoOf(env);
  const waveOf = new Map<string, number>();
  waves(env.releases).forEach((w, i) => {
    for (const r of w) waveOf.set(r.name, i);
  });
  const elements = env.releases.map((r) => {
    const s = sourceOf(env, r, o.registryUrl);
    const values = releaseValues(r);
    return {
      release: r.name,
      namespace: r.namespace,
      repoURL: s.repoURL,
      chart: s.chart,
      path: s.path,
      version: r.version,
      wave: String(waveOf.get(r.name) ?? 0),
      values: Object.keys(values).length ? stringify(values, { lineWidth: 0 }) : '',
    };
  });
  const labels = {
    'app.kubernetes.io/managed-by': 'kosmos',
    'app.kubernetes.io/part-of': 'kosmos-platform',
    [ARGO_LABELS.environment]: env.name,
  };
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'ApplicationSet',
    metadata: { name: env.name, namespace: argo.namespace, labels },
    spec: {
      goTemplate: true,
      // A parameter the template names but an element lacks is an error, not an empty string.
      goTemplateOptions: ['missingkey=error'],
      generators: [
        {
          matrix: {
            generators: [
              { clusters: { selector: { matchLabels: { [FLEET_LABEL]: env.name } } } },
              { list: { elements } },
            ],
          },
        },
      ],
      template: {
        metadata: {
          name: applicationName('{{.name}}', '{{.release}}'),
          labels: {
            ...labels,
            [ARGO_LABELS.release]: '{{.release}}',
            [ARGO_LABELS.cluster]: '{{.name}}',
            [ARGO_LABELS.wave]: '{{.wave}}',
          },
          // Effective where the Applications are synced as resources of a parent (app of apps);
          // the label above lets a RollingSync strategy step through the same waves.
          annotations: { 'argocd.argoproj.io/sync-wave': '{{.wave}}' },
        },
        spec: {
          project: argo.project,
          source: {
            repoURL: '{{.repoURL}}',
            chart: '{{.chart}}',
            path: '{{.path}}',
            targetRevision: '{{.version}}',
            helm: { releaseName: '{{.release}}', values: '{{.values}}' },
          },
          destination: { server: '{{.server}}', namespace: '{{.namespace}}' },
          syncPolicy: {
            automated: { prune: argo.prune, selfHeal: argo.selfHeal },
            // Charts with large CRDs exceed client-side apply's annotation limit; helm 4 applies
            // server-side too, so both tools own fields the same way. A release namespace that no
            // release creates (the platform chart creates ours, with their labels) is created.
            syncOptions: ['ServerSideApply=true', 'CreateNamespace=true'],
            // A release whose needs are not there yet (a namespace, a CRD) fails its first sync;
            // retries converge it once its earlier waves are in.
            retry: { limit: 10, backoff: { duration: '5s', factor: 2, maxDuration: '3m' } },
          },
        },
      },
    },
  } as KubeObject;
}

/** The ApplicationSet as YAML, deterministic for the same inputs. */
export function argoManifest(env: Environment, o: ArgoRenderOptions = {}): string {
  return `# Environment: ${env.name} (Argo CD ApplicationSet)\n---\n${stringify(argoApplicationSet(env, o), { lineWidth: 0 })}`;
}
