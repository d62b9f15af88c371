export { lint, template, templateArgs, templateText, type ChartInput, type LintResult, type TemplateInput } from './commands.ts';
export { parseManifests, type KubeObject } from './manifests.ts';
export { HelmError, runHelm, type RunOptions, type RunResult } from './run.ts';
