export {
  applicationRow,
  argoClusterRows,
  type ClusterReleaseStatus,
  type ClusterStatus,
  fleetStatus,
  onCluster,
  summarise,
  unreachableSites,
} from './fleet.ts';
export { type EnvironmentRows, type PromotionView, promotionView } from './promotions.ts';
export {
  type EnvironmentStatus,
  environmentStatus,
  errorStatus,
  failedStatus,
  type ReleaseStatus,
  type StatusOptions,
  statusForEnvironment,
  unreachableStatus,
} from './status.ts';
