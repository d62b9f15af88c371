export { dependencyOrder, readChart, type TreeChart, treeCharts } from './charts.ts';
export {
  gitTagOf,
  type PlanChart,
  type PlanInput,
  type Published,
  planRelease,
  type ReleasePlan,
  type Step,
} from './plan.ts';
export {
  formatResult,
  type ReleaseOptions,
  type ReleaseResult,
  release,
  releaseExitCode,
  resolveRegistry,
} from './run.ts';
