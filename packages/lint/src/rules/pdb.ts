import { asObj, podTemplateOf, selects } from '../k8s.ts';
import type { EnvironmentRule, KubeObject, Placed, Violation } from '../types.ts';

const NEEDS_PDB = new Set(['Deployment', 'StatefulSet', 'Rollout']);

/** The most replicas a workload may run: spec.replicas, or its HPA's maxReplicas when higher. */
function maxReplicas(w: Placed, all: readonly Placed[]): number {
  const own = typeof asObj(w.object.spec).replicas === 'number' ? (asObj(w.object.spec).replicas as number) : 1;
  const hpa = all.find((p) => {
    const ref = asObj(asObj(p.object.spec).scaleTargetRef);
    return (
      p.object.kind === 'HorizontalPodAutoscaler' &&
      p.namespace === w.namespace &&
      ref.kind === w.object.kind &&
      ref.name === w.object.metadata.name
    );
  });
  const max = asObj(hpa?.object.spec).maxReplicas;
  return Math.max(own, typeof max === 'number' ? max : 0);
}

/** Pod labels of a workload; a Rollout with workloadRef runs the referenced Deployment's template. */
function podLabels(w: Placed, all: readonly Placed[]): Record<string, string> | undefined {
  const tpl = podTemplateOf(w.object);
  if (tpl) return tpl.labels;
  const ref = asObj(asObj(w.object.spec).workloadRef);
  const target = all.find(
    (p) => p.namespace === w.namespace && p.object.kind === ref.kind && p.object.metadata.name === ref.name,
  );
  return target ? podTemplateOf(target.object)?.labels : undefined;
}

/** A Deployment a Rollout took over (workloadRef) is scaled down by Argo Rollouts: not counted. */
function referencedByRollout(w: KubeObject, ns: string | undefined, all: readonly Placed[]): boolean {
  return all.some((p) => {
    const ref = asObj(asObj(p.object.spec).workloadRef);
    return p.object.kind === 'Rollout' && p.namespace === ns && ref.kind === w.kind && ref.name === w.metadata.name;
  });
}

/** Seeds: "Implement PodDisruptionBudgets": a drain must not take every replica at once. */
export const pdbCoverage: EnvironmentRule = {
  id: 'pdb-coverage',
  severity: 'error',
  description:
    'Every Deployment, StatefulSet or Rollout that can run more than one replica is covered by a PodDisruptionBudget selecting its pods.',
  scope: 'environment',
  check(all) {
    const pdbs = all.filter((p) => p.object.kind === 'PodDisruptionBudget');
    const out: Violation[] = [];
    for (const w of all) {
      if (!NEEDS_PDB.has(w.object.kind) || referencedByRollout(w.object, w.namespace, all)) continue;
      const replicas = maxReplicas(w, all);
      if (replicas <= 1) continue;
      const labels = podLabels(w, all);
      if (!labels) continue;
      const covered = pdbs.some((p) => p.namespace === w.namespace && selects(asObj(p.object.spec).selector, labels));
      if (!covered) {
        out.push({
          object: w,
          message: `runs up to ${replicas} replicas but no PodDisruptionBudget in ${w.namespace ?? 'its namespace'} selects its pods`,
        });
      }
    }
    return out;
  },
};
