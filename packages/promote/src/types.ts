import type { RecordedImage } from '@kosmos/environment';

/**
 * The promotion's data. Everything here is plain JSON: a plan can be printed, written to a file,
 * compared with a later one and approved by its digest (issue 14) without a cluster in sight.
 */

/** A release's chart pin as one environment has it. */
export interface ChartPin {
  release: string;
  chart: string;
  /** `repo`: a chart of this repository, published to the environment's registry; `upstream`: a chart from an https repository. */
  kind: 'repo' | 'upstream';
  /** The resolved version: for dev's `tree`, the tree's Chart.yaml version. */
  version: string;
  /** Where the pin is written: environment.yaml, `releases.<index>.version`. */
  at: FileLocation;
  /** The raw pin (`tree` or a version). */
  raw: string;
  /** An upstream chart's https repository. */
  repository?: string;
}

/** A scalar's place: a file relative to the repository root and the key path inside it. */
export interface FileLocation {
  file: string;
  path: (string | number)[];
}

/**
 * An image a values file pins: a mapping under a key `image` (or ending in `Image`, like
 * `mcImage`) with string `repository` and `tag`; `registry` defaults to docker.io (what a
 * container runtime assumes), `digest` is empty until a promotion writes it.
 */
export interface ImagePin extends RecordedImage {
  /** The mapping holding it (the last values file of the release that sets it). */
  at: FileLocation;
}

/** What one environment pins, read from its files. */
export interface EnvironmentPins {
  name: string;
  charts: ChartPin[];
  images: ImagePin[];
  /** Releases whose values files could not be read for image pins, with why. */
  problems: string[];
}

export interface TargetFacts extends EnvironmentPins {
  promotesFrom?: string;
  gates: { approval: boolean; sourceHealthy: boolean; noDrift: boolean };
  /** Registry charts are pulled from (`oci://…`), as the target sees it (a stand-in's is local). */
  registry: string;
  /** Image registry host → the host actually asked (a stand-in's mirror); empty: each asked itself. */
  imageMirrors: Record<string, string>;
  /** Releases left out because this is a stand-in (upstream charts from https repositories). */
  skipped: string[];
  /** Values files of each release (relative to the repository root), in helm's order. */
  valuesFiles: Record<string, string[]>;
  /** sha256 of each file the promotion may write, as read. */
  files: Record<string, string>;
}

/** The registry's answer about one chart version. */
export interface ChartAnswer {
  chart: string;
  version: string;
  /** `oci://…/chart:version` or `https://…#chart@version` */
  ref: string;
  exists: boolean;
  /** The chart layer digest (OCI), when known. */
  digest?: string;
  error?: string;
}

/** The registry's answer about one image: the digest the tag (or the source's digest) names. */
export interface ImageAnswer {
  /** `registry/repository:tag` (or `@sha256:…` when the source pinned a digest). */
  ref: string;
  /** The host asked, after mirrors. */
  askedAt: string;
  digest?: string;
  error?: string;
}

export interface RegistryAnswers {
  charts: ChartAnswer[];
  images: ImageAnswer[];
}

/** The source environment as its cluster runs it. */
export interface SourceLive {
  /** Set when the cluster could not be asked. */
  error?: string;
  releases: {
    release: string;
    deployed: string | null;
    helmStatus: string | null;
    health: string;
    unready: string[];
  }[];
}

/** The target's drift against its own files, before the promotion. */
export interface TargetDrift {
  error?: string;
  drift: boolean;
  releases: { release: string; added: number; changed: number; deleted: number }[];
}

/** Lint of the target's would-be files. */
export interface LintOutcome {
  error?: string;
  errors: { rule: string; message: string; file?: string; line?: number }[];
  warnings: number;
}

/**
 * The approval as given: a value, and where it came from. It approves only when it is the
 * digest of the plan being carried out, so an approval can never cover a change nobody saw.
 */
export interface Approval {
  value?: string;
  via?: '--approve' | 'KOSMOS_APPROVE';
}

/** Everything a plan is computed from. */
export interface PromotionInputs {
  source: EnvironmentPins;
  target: TargetFacts;
  registry: RegistryAnswers;
  /** Undefined when not asked (the target's gates do not require it). */
  sourceLive?: SourceLive;
  targetDrift?: TargetDrift;
  lint?: LintOutcome;
  approval: Approval;
  allowDrift: boolean;
  /** The live server-side-apply diff the promotion would cause in the target. */
  live?: LiveDiff;
  /** sha256 of each file of the source the pins were read from. */
  sourceFiles?: Record<string, string>;
  /** Set for a rollback: the audit record whose pins are restored (the source is that record). */
  rollback?: RollbackOf;
}

export interface RollbackOf {
  /** 1-based number of the record in the target's promotions.jsonl. */
  record: number;
  /** That record's time and plan digest, for people. */
  time: string;
  plan: string;
}

/** One object the promotion would add, change or delete, its diff with Secret values masked. */
export interface LiveChange {
  id: string;
  change: 'added' | 'changed' | 'deleted';
  diff: string;
  note?: string;
}

export interface LiveDiff {
  /** Set when the diff could not be computed (then the plan cannot be approved meaningfully). */
  error?: string;
  objects: LiveChange[];
}

export type GateId = 'promotes-from' | 'registry' | 'source-healthy' | 'no-drift' | 'lint' | 'approval';

export interface GateResult {
  id: GateId;
  /** `pass`; `refuse` stops the promotion (exit 3); `warn` passes with a warning; `skip`: not required. */
  result: 'pass' | 'refuse' | 'warn' | 'skip';
  reason: string;
}

/** One pinned scalar that changes. */
export interface PinChange {
  kind: 'chart' | 'image';
  release: string;
  /** `chart core-agents` or `image agents.zeus-orchestrator.image.tag` */
  what: string;
  from: string;
  to: string;
  at: FileLocation;
}

export interface PromotionPlan {
  source: string;
  target: string;
  changes: PinChange[];
  gates: GateResult[];
  /** Pins that cannot be written (a missing mapping in the target's files, ...): bad input. */
  problems: string[];
  /** Releases of the target the promotion leaves alone, with why. */
  untouched: { release: string; reason: string }[];
  /** Every file of the target as read (sha256), so a write refuses if any changed since. */
  files: Record<string, string>;
  refused: boolean;
  /** sha256 of each source file the pins were read from. */
  sourceFiles: Record<string, string>;
  /** Each chart version asked, with its chart layer digest as the registry has it. */
  charts: { ref: string; digest: string | null }[];
  /** Each image asked, with the digest its tag (or digest) names. */
  images: { ref: string; digest: string | null }[];
  /** The live diff the promotion would cause in the target (Secret values masked). */
  live: LiveDiff;
  allowDrift: boolean;
  rollback?: RollbackOf;
  /**
   * sha256 of the plan's canonical JSON: source, target, pins, files, chart and image digests,
   * the live diff and each gate's result (the approval gate excluded: it depends on the digest).
   * What an approval names.
   */
  digest: string;
}
