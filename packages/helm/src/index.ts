export {
  type ChartInput,
  type LintResult,
  lint,
  type TemplateInput,
  template,
  templateArgs,
  templateText,
} from './commands.ts';
export { prepareChart } from './dependencies.ts';
export {
  type KubeObject,
  type ManifestDoc,
  type ObjectRef,
  parseManifestDocs,
  parseManifests,
  refOf,
} from './manifests.ts';
export { HelmError, type RunOptions, type RunResult, runHelm } from './run.ts';
