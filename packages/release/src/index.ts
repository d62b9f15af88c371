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
export {
  CHANGE_KINDS,
  type ChangeKind,
  type ChangesetPlan,
  type ChangesetRelease,
  type ChartPackage,
  type ChartUpdate,
  changeOf,
  chartPackages,
  chartUpdates,
  updateChartYaml,
  type VersionResult,
  versionCharts,
} from './version.ts';
