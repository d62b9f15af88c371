export { COMPONENTS, TOOL_NAMES, cmpSemver, componentOf, type Component, type ToolName } from './catalog.ts';
export { ensure, resolveTool, type EnsureOptions, type Resolved, type Source } from './ensure.ts';
export { ToolchainError } from './errors.ts';
export { localReplaces } from './gomod.ts';
export { cacheRoot, componentDir } from './paths.ts';
export { parseVersion, probeVersion } from './probe.ts';
