export { CRD_SOURCES, crdFiles } from '@kosmos/upstream';
export {
  type ArgoCd,
  type ArgoCdOptions,
  type ArgoClusterInput,
  registerArgoCluster,
  registerArgoOciRepos,
  startArgoCd,
} from './argocd.ts';
export {
  type Controller,
  type ControllerBase,
  describeController,
  type OperatorOptions,
  type PrometheusOptions,
  ROLLOUTS_TRAEFIK_ARGS,
  type RolloutsOptions,
  type S3ServerOptions,
  startArgoRollouts,
  startPrometheus,
  startPrometheusOperator,
  startS3Server,
  startTraefik,
  type TraefikController,
  type TraefikOptions,
} from './controllers.ts';
export { type DaemonRecord, isOurs, killNow, stopDaemon } from './daemon.ts';
export { get, type TlsFiles } from './http.ts';
export { pushTestImages, type TestImage } from './images.ts';
export { KubectlError, kubectl } from './kubectl.ts';
export { type DownResult, down, isHealthy, type UpOptions, type UpResult, up } from './local.ts';
export { type HeldLock, platformLock } from './platform-lock.ts';
export { freePorts } from './ports.ts';
export { type InClusterProxy, inClusterProxy } from './proxy.ts';
export { stagesYaml } from './stages.ts';
export { DEFAULT_NODES, nodeObject, type SimNode, STORAGE_CLASSES } from './topology.ts';
export { StartupError } from './wait.ts';
