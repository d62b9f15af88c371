import { existsSync } from 'node:fs';
import { describeTargets, type Environment, resolveTargets, type Targets } from '@kosmos/environment';
import type { KubeTarget } from '@kosmos/helm';
import { DeployError } from './errors.ts';

/** Where an environment's releases go: the cluster helm is pointed at, and the chart registry. */
export interface DeployTarget {
  targets: Targets;
  kube: KubeTarget;
  /** `oci://host/path` of the environment's charts; undefined when it has none reachable. */
  registry?: string;
  /** For people: `context "x" (https://…) of /path/kubeconfig`. */
  clusterLabel: string;
}

/**
 * The environment's cluster and registry (`resolveTargets`), with helm's view of the cluster.
 * `lenient` (a dry run) accepts a cluster that is not there: the plan only names it.
 */
export async function resolveTarget(
  env: Environment,
  o: { stateDir?: string; lenient?: boolean; targets?: Targets } = {},
): Promise<DeployTarget> {
  const targets = o.targets ?? (await resolveTargets(env, o.stateDir ? { stateDir: o.stateDir } : {}));
  const c = targets.cluster;
  if (!o.lenient) {
    if (!c.kubeconfig)
      throw new DeployError(`${env.name} uses the local cluster, which is not running (start it with \`pnpm run up\`)`);
    if (!existsSync(c.kubeconfig))
      throw new DeployError(`kubeconfig ${c.kubeconfig} not found${c.context ? ` (context ${c.context})` : ''}`);
  }
  return {
    targets,
    kube: { kubeconfig: c.kubeconfig ?? '', ...(c.context ? { context: c.context } : {}) },
    ...(targets.registry ? { registry: targets.registry } : {}),
    clusterLabel: describeTargets(targets, { registry: false }).replace(/^cluster /, ''),
  };
}
