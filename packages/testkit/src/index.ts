export { CRD_SOURCES, crdFiles } from '@kosmos/upstream';
export { type DaemonRecord, isOurs, killNow, stopDaemon } from './daemon.ts';
export { KubectlError, kubectl } from './kubectl.ts';
export { type DownResult, down, isHealthy, type UpOptions, type UpResult, up } from './local.ts';
export { freePorts } from './ports.ts';
export { stagesYaml } from './stages.ts';
export { DEFAULT_NODES, nodeObject, type SimNode, STORAGE_CLASSES } from './topology.ts';
export { StartupError } from './wait.ts';
