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
