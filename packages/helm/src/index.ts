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
export { type ManifestDoc, parseManifestDocs, parseManifests } from './manifests.ts';
export { HelmError, helmIdentity, type RunOptions, type RunResult, runHelm } from './run.ts';
