export { checkGraph, type GraphCheck, type GraphNode, waves } from './graph.ts';
export { defaultStateDir, type LocalProcess, type LocalState, readState, repoStateRoot, stateFile } from './local.ts';
export {
  type ArgoCd,
  type ChartRef,
  type ClusterRef,
  clustersOf,
  ENVIRONMENTS_DIR,
  type Environment,
  findRelease,
  findRepoRoot,
  type Gates,
  type LoadOptions,
  listEnvironments,
  loadAll,
  loadEnvironment,
  type NamedCluster,
  type Release,
} from './model.ts';
export { dottedPath, EnvironmentError, formatProblem, type Problem } from './problems.ts';
export {
  appendPromotion,
  type NumberedRecord,
  PROMOTIONS_FILE,
  type PromotionRecord,
  parsePromotions,
  promotionsPath,
  type RecordedChart,
  type RecordedImage,
  readPromotions,
} from './promotions.ts';
export { locate, parseSource, pointerToPath, type SourceFile } from './source.ts';
export {
  asStandIn,
  STAND_IN_VARIABLE,
  type StandIn,
  standInNames,
  standInStateDir,
} from './stand-in.ts';
export {
  type ClusterTarget,
  defaultKubeconfig,
  describeTargets,
  resolveTargets,
  type Targets,
} from './targets.ts';
export { compile, schemaProblems } from './validate.ts';
export { chartValuesValidator, checkReleaseValues, helmSchemaProblems, type ValuesCheck } from './values.ts';
