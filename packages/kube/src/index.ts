export {
  ApiError,
  type ClientOptions,
  defaultKubeconfig,
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
} from './cluster.ts';
export { type ApiResource, Discovery, resourcePath } from './discovery.ts';
export { type Health, workloadHealth } from './health.ts';
export { decodeReleaseRecord, type HelmRelease, helmRelease } from './helm-release.ts';
