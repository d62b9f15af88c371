export {
  COMPONENTS,
  CONTROLLER_TOOLS,
  type Component,
  cmpSemver,
  componentOf,
  TOOL_NAMES,
  type ToolName,
} from './catalog.ts';
export { type EnsureOptions, ensure, type Resolved, resolveTool, type Source } from './ensure.ts';
export { ToolchainError } from './errors.ts';
export { type ExecOptions, type ExecResult, exec, execDirect } from './exec.ts';
export { compatibleWith, localReplaces, type PublishedReplace, publishedReplaces, replaceArg } from './gomod.ts';
export { processAlive, withLock } from './lock.ts';
export { cacheRoot, componentDir } from './paths.ts';
export { parseVersion, probeVersion } from './probe.ts';
export {
  detectHost,
  ensureSystemTools,
  findSystemTool,
  type Host,
  inspectSystemTools,
  planSystemTools,
  SYSTEM_TOOLS,
  type SystemPlan,
  type SystemResolved,
  type SystemTool,
  type SystemToolState,
} from './system.ts';
