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
export { isCleanYaml, type ManifestDoc, parseManifestDocs, parseManifests } from './manifests.ts';
export {
  archiveName,
  CHART_EPOCH,
  type PackagedChart,
  type PackageInput,
  type PushInput,
  packageChart,
  pushChart,
  type SignOptions,
  sha256File,
} from './package.ts';
export { HelmError, helmIdentity, type RunOptions, type RunResult, runHelm } from './run.ts';
export {
  history,
  type KubeTarget,
  type Revision,
  rollback,
  type UpgradeInput,
  uninstall,
  upgrade,
  upgradeArgs,
} from './upgrade.ts';
