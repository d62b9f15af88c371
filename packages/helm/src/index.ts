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
export {
  archiveName,
  CHART_EPOCH,
  HelmCallError,
  type PackagedChart,
  type PackageInput,
  type PushInput,
  packageChart,
  pushChart,
  type SignOptions,
  sha256File,
} from './package.ts';
export { HelmError, type RunOptions, type RunResult, runHelm } from './run.ts';
