export {
  ApiError,
  type ClientOptions,
  KubeClient,
  KubeConnectionError,
  KubeError,
  type RequestOptions,
} from './client.ts';
export {
  Cluster,
  type DryRunProblem,
  type DryRunResult,
  FIELD_MANAGER,
  type WithClusterOptions,
  withCluster,
} from './cluster.ts';
export { type ApiResource, Discovery, resourcePath } from './discovery.ts';
export { type Health, workloadHealth } from './health.ts';
export { decodeReleaseRecord, type HelmRelease, helmRelease } from './helm-release.ts';
