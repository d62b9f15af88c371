import { existsSync } from 'node:fs';
import { defaultStateDir, type Environment, readState } from '@kosmos/environment';
import type { KubeTarget } from '@kosmos/helm';
import { defaultKubeconfig } from '@kosmos/kube';
import { DeployError } from './errors.ts';

/** Where an environment's releases go: the cluster helm is pointed at, and the chart registry. */
export interface DeployTarget {
  kube: KubeTarget;
  /** `oci://host/path` of the environment's charts; undefined when it has none reachable. */
  registry?: string;
  /** For people: `local cluster (.kosmos/local)` or `context "x" in ~/.kube/config`. */
  clusterLabel: string;
}

/**
 * Resolves an environment's cluster and registry: the local ones of `pnpm run up` (from its
 * state folder) or the kubeconfig context and registry URL environment.yaml names.
 */
export async function resolveTarget(
  env: Environment,
  o: { stateDir?: string /** A dry run only names the cluster: it need not be there. */; lenient?: boolean } = {},
): Promise<DeployTarget> {
  const needsLocal = env.cluster.local || env.registry.local;
  const stateDir = o.stateDir ?? defaultStateDir();
  const state = needsLocal ? await readState(stateDir) : undefined;
  let kube: KubeTarget;
  let clusterLabel: string;
  if (env.cluster.local) {
    if (!state && !o.lenient)
      throw new DeployError(`${env.name} uses the local cluster, which is not running (start it with \`pnpm run up\`)`);
    kube = { kubeconfig: state?.kubeconfig ?? '' };
    clusterLabel = state
      ? `local cluster ${state.server} (kubeconfig ${state.kubeconfig})`
      : 'the local cluster (not running: `pnpm run up`)';
  } else {
    const file = env.cluster.kubeconfig ?? defaultKubeconfig();
    if (!existsSync(file) && !o.lenient)
      throw new DeployError(`kubeconfig ${file} not found (context ${env.cluster.context})`);
    kube = { kubeconfig: file, context: env.cluster.context };
    clusterLabel = `context "${env.cluster.context}" (kubeconfig ${file})`;
  }
  const registry = env.registry.local ? (state ? `oci://${state.registry}/charts` : undefined) : env.registry.url;
  return { kube, ...(registry ? { registry } : {}), clusterLabel };
}
