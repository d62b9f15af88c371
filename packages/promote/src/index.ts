export { actorOf, recordPromotion } from './audit.ts';
export { EditError, editYaml, type ScalarEdit } from './edit.ts';
export { formatPlan, planJson, refusals } from './format.ts';
export { chartPins, DEFAULT_IMAGE_REGISTRY, imagePins, imageRef, isImageKey, type ReleaseFiles } from './pins.ts';
export {
  asDigest,
  assemblePromotionPlan,
  canonicalJson,
  chartRef,
  digestedContent,
  digestOf,
  editsByFile,
  evaluateGates,
  GATE_TITLES,
  GATES,
  imageLookupRef,
  lookups,
  mirrorFor,
  pinChanges,
  planDifferences,
  promoted,
} from './plan.ts';
export { PLAN_KIND, parsePlanFile, pinsAfter, planFileText, promotionRecord, rollbackSource } from './planfile.ts';
export {
  type Applied,
  applyPromotion,
  type Planned,
  type PromoteConfig,
  type PromoteRequest,
  planPromotion,
  sha256,
} from './promote.ts';
export { ociRegistry, type RegistryLookup } from './registry.ts';
export type * from './types.ts';
export { lockPath, PromotionRefused, REFUSED, writePromotion } from './write.ts';
