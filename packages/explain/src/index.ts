export { blameLines, ExplainError, explainRelease, type ReleaseExplanation } from './explain.ts';
export { formatJson, formatText } from './format.ts';
export {
  type Commit,
  type ExplainedValue,
  type Explanation,
  explainLayers,
  formatKey,
  mask,
  mergeValues,
  nearestKeys,
  type Path,
  parseKey,
  type Setting,
  type ValuesLayer,
  valueAt,
} from './layers.ts';
