export {
  type ChangeKind,
  type CompareInput,
  compareObject,
  drifted,
  hasDrift,
  type ObjectChange,
  printable,
  type ReleaseSummary,
  summarise,
} from './changes.ts';
export { formatJson, formatText, summaryTable } from './format.ts';
export { normalise, SERVER_ANNOTATIONS, SERVER_METADATA, sortKeys } from './normalise.ts';
export { type DiffOptions, diffEnvironment, type EnvironmentDiff, type ReleaseDiff } from './plan.ts';
export {
  HIDDEN,
  HIDDEN_CHANGED,
  isSecret,
  isSecretKey,
  MIN_REDACTED_LENGTH,
  maskSecret,
  Redactor,
  type SecretKeyChanges,
  secretHashes,
  secretKeyChanges,
} from './secrets.ts';
export { colorizeDiff, type UnifiedOptions, unifiedDiff } from './unified.ts';
