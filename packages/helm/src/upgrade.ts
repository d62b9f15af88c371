import { runHelm } from './run.ts';

/** Which cluster helm talks to: always explicit, never helm's own default kubeconfig by accident. */
export interface KubeTarget {
  kubeconfig: string;
  /** Kubeconfig context; the file's current context when omitted. */
  context?: string;
}

export interface UpgradeInput {
  release: string;
  namespace: string;
  /** Chart folder, `oci://` reference, or (with `repo`) a chart name in a repository. */
  chart: string;
  version?: string;
  /** Chart repository URL of an upstream chart (`--repo`). */
  repo?: string;
  valuesFiles: string[];
  /** helm's duration syntax: `5m`, `90s`. */
  timeout: string;
  /** Fetch an `oci://` chart over plain HTTP (a loopback registry). */
  plainHttp?: boolean;
}

const targetArgs = (t: KubeTarget): string[] => [
  '--kubeconfig',
  t.kubeconfig,
  ...(t.context ? ['--kube-context', t.context] : []),
];

/**
 * The arguments of one `helm upgrade --install`. Every behaviour that matters is spelled out
 * rather than left to helm 4's defaults (which read the previous release for `--server-side`):
 * server-side apply, kstatus waiting (`watcher`), and rollback on failure, which on a first
 * install means uninstalling it.
 */
export function upgradeArgs(i: UpgradeInput): string[] {
  return [
    'upgrade',
    '--install',
    i.release,
    i.chart,
    ...(i.version ? ['--version', i.version] : []),
    ...(i.repo ? ['--repo', i.repo] : []),
    '--namespace',
    i.namespace,
    ...i.valuesFiles.flatMap((f) => ['--values', f]),
    '--server-side=true',
    '--wait=watcher',
    '--rollback-on-failure',
    '--timeout',
    i.timeout,
    ...(i.plainHttp ? ['--plain-http'] : []),
  ];
}

/**
 * Runs `helm upgrade --install`. Its stdout (notes, and on some failures rendered manifests) is
 * dropped on purpose: it can carry values. A failure is a HelmError whose message is helm's
 * error line only.
 */
export async function upgrade(i: UpgradeInput, target: KubeTarget): Promise<void> {
  await runHelm([...upgradeArgs(i), ...targetArgs(target)]);
}

/** One revision of `helm history` (its JSON carries no values and no manifest). */
export interface Revision {
  revision: number;
  status: string;
  chart: string;
  appVersion: string;
  description: string;
  updated: string;
}

interface HistoryJson {
  revision: number;
  status: string;
  chart: string;
  app_version?: string;
  description?: string;
  updated: string;
}

/** `helm history`, oldest first; [] when the release does not exist. */
export async function history(release: string, namespace: string, target: KubeTarget): Promise<Revision[]> {
  try {
    const r = await runHelm(['history', release, '--namespace', namespace, '--output', 'json', ...targetArgs(target)]);
    return (JSON.parse(r.stdout) as HistoryJson[]).map((h) => ({
      revision: h.revision,
      status: h.status,
      chart: h.chart,
      appVersion: h.app_version ?? '',
      description: h.description ?? '',
      updated: h.updated,
    }));
  } catch (e) {
    if (e instanceof Error && /release: not found/.test(e.message)) return [];
    throw e;
  }
}

/** `helm rollback` to `revision` (0: the previous one), waiting for the rolled-back objects. */
export async function rollback(
  release: string,
  namespace: string,
  revision: number,
  o: { timeout: string; target: KubeTarget },
): Promise<void> {
  await runHelm([
    'rollback',
    release,
    String(revision),
    '--namespace',
    namespace,
    '--server-side=true',
    '--wait=watcher',
    '--timeout',
    o.timeout,
    ...targetArgs(o.target),
  ]);
}

/** `helm uninstall`, waiting for the objects to go; a release that does not exist is fine. */
export async function uninstall(
  release: string,
  namespace: string,
  o: { timeout: string; target: KubeTarget },
): Promise<void> {
  await runHelm([
    'uninstall',
    release,
    '--namespace',
    namespace,
    '--ignore-not-found',
    '--wait=watcher',
    '--timeout',
    o.timeout,
    ...targetArgs(o.target),
  ]);
}
