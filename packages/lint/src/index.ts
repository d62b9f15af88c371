export { CHART_PACKAGE, checkChartPackages } from './chart-packages.ts';
export { HELM_LINT, helmLintEnvironments, parseHelmLint } from './helm-lint.ts';
export {
  asObj,
  containersOf,
  podTemplateOf,
  selects,
  WORKLOAD_KINDS,
} from './k8s.ts';
export {
  ALL_RULES,
  checkObjects,
  type LintOptions,
  type LintReport,
  lintEnvironments,
  locationOf,
  POLICY_RULES,
  type RenderedObject,
  SCHEMA_RULES,
  sortFindings,
} from './lint.ts';
export {
  counts,
  type Format,
  format,
  formatJson,
  formatSarif,
  formatText,
  objectsPerSecond,
  summaryLine,
} from './output.ts';
export { type PolicyHit, runPolicy } from './policy.ts';
export { RULES } from './rules/index.ts';
export { type SchemaProblem, SchemaSet, schemasFor } from './schemas.ts';
export type {
  EnvironmentRule,
  Finding,
  KubeObject,
  ObjectRef,
  ObjectRule,
  Placed,
  Rule,
  RuleContext,
  RuleInfo,
  Severity,
  Violation,
} from './types.ts';
export { checkValues, VALUES_SCHEMA } from './values.ts';
