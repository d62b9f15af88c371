export {
  ARGO_LABELS,
  type ArgoRenderOptions,
  applicationName,
  argoApplicationSet,
  argoManifest,
  FLEET_LABEL,
  mergeValues,
} from './argocd.ts';
export { type CacheKeyParts, cacheKey, chartDigest, defaultCacheDir, RenderCache } from './cache.ts';
export { apiVersionsFor, CRD_APIS } from './capabilities.ts';
export {
  type FailedRelease,
  manifestOf,
  type RenderedRelease,
  type RenderOptions,
  type RenderResult,
  renderEnvironment,
  renderEnvironments,
  type SkippedRelease,
  templateInput,
} from './render.ts';
export { type ChartSource, chartSource, RenderError, type SourcePreference, treeVersion } from './source.ts';
