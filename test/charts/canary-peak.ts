/**
 * How many pods a traffic-routed canary with `dynamicStableScale` runs at its peak: the number the
 * capacity plan (environments/README.md) reserves quota for. Argo Rollouts 1.8 sizes each side
 * from a traffic weight, rounding up (`trafficWeightToReplicas`): the canary from the step's
 * desired weight, the stable side from the larger of its desired weight and the weight it still
 * receives. The canary is scaled up first and traffic moves only once it is available, so at each
 * step the new canary pods run beside all the stable pods of the step before.
 *
 * quota.cluster.test.ts checks these numbers against the real controller: what it creates under
 * the quota is what this predicts.
 */

const share = (replicas: number, weight: number) => Math.ceil((replicas * weight) / 100);

/** Zeus pods (canary + stable) before and after each setWeight step; the peak is their maximum. */
export function canaryPodCounts(replicas: number, weights: number[]): { canary: number; stable: number }[] {
  const seen = [{ canary: 0, stable: replicas }];
  let previous = 0;
  for (const w of weights) {
    seen.push({
      canary: share(replicas, w),
      stable: Math.max(share(replicas, 100 - w), share(replicas, 100 - previous)),
    });
    seen.push({ canary: share(replicas, w), stable: share(replicas, 100 - w) });
    previous = w;
  }
  return seen;
}

export function canaryPeak(replicas: number, weights: number[]): number {
  return Math.max(...canaryPodCounts(replicas, weights).map((s) => s.canary + s.stable));
}
