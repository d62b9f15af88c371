export {
  type Configuration,
  chartLabel,
  Deploy,
  type DeployEnvironmentOptions,
  type DeployEvent,
  type DeployOptions,
  type DeployResult,
  deployEnvironment,
  type Outcome,
  plannedResult,
  type ReleaseResult,
} from './deploy.ts';
export { DeployError } from './errors.ts';
export { formatEvent, formatPlan, formatResult } from './format.ts';
export {
  hasNoStatus,
  type Inspection,
  inspectWorkloads,
  isDegraded,
  notReadyReason,
  podProblem,
  type UncheckedObject,
  type UnreadyObject,
  WORKLOAD_KINDS,
} from './health.ts';
export {
  type ChartFrom,
  type DeployPlan,
  isLoopbackRegistry,
  type PlanInput,
  type PlannedRelease,
  parseDuration,
  planDeploy,
  type RequiredRelease,
} from './plan.ts';
export { type DeployTarget, resolveTarget } from './target.ts';
