export { apiVersionsFor, CRD_APIS } from './capabilities.ts';
export { compareObjects, objectId } from './order.ts';
export {
  manifestOf,
  type RenderedRelease,
  type RenderOptions,
  type RenderResult,
  renderEnvironment,
  type SkippedRelease,
  splitManifest,
  templateInput,
} from './render.ts';
export { type ChartSource, chartSource, type SourcePreference, treeVersion } from './source.ts';
