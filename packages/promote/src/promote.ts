import { createHash } from 'node:crypto';
import { cp, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { EXIT, UserError } from '@kosmos/cli';
import { diffEnvironment, type EnvironmentDiff } from '@kosmos/diff';
import {
  defaultStateDir,
  type Environment,
  loadEnvironment,
  readPromotions,
  resolveTargets,
  standInNames,
} from '@kosmos/environment';
import { withCluster } from '@kosmos/kube';
import { lintEnvironments } from '@kosmos/lint';
import { treeVersion } from '@kosmos/render';
import { type EnvironmentStatus, statusForEnvironment } from '@kosmos/status';
import { EditError, editYaml } from './edit.ts';
import { chartPins, imagePins } from './pins.ts';
import { assemblePromotionPlan, editsByFile, lookups, NO_ROLLOUT_PHASE, pinChanges } from './plan.ts';
import { rollbackSource } from './planfile.ts';
import type { RegistryLookup } from './registry.ts';
import type {
  Approval,
  EnvironmentPins,
  LintOutcome,
  LiveChange,
  LiveDiff,
  PromotionInputs,
  PromotionPlan,
  RegistryAnswers,
  RollbackOf,
  SourceLive,
  TargetDrift,
  TargetFacts,
} from './types.ts';

/**
 * What the promote action needs from the world, passed in once (helm's `action.Configuration`):
 * the repository, the registry to ask, where the local clusters' state is, how to deploy.
 */
export interface PromoteConfig {
  root: string;
  registry: RegistryLookup;
  /** State folder of `pnpm run up` (default: the usual one). */
  stateDir?: string;
  /** Environments stood in for by local clusters (default: KOSMOS_LOCAL_CLUSTERS). */
  standIns?: readonly string[];
  log?: (line: string) => void;
  /** Deploys an environment (the deploy library); needed for `apply` only. */
  deploy?: (env: Environment) => Promise<void>;
}

export interface PromoteRequest {
  /** The source environment (ignored for a rollback). */
  from: string;
  to: string;
  approval: Approval;
  allowDrift: boolean;
  /** A rollback of `to` to one of its recorded promotions (`record` undefined: the previous one). */
  rollback?: { record?: number };
}

/** A computed promotion: the plan, what it was computed from, and the files it would write. */
export interface Planned {
  plan: PromotionPlan;
  inputs: PromotionInputs;
  source: Environment;
  target: Environment;
  /** New text of each file that changes (path relative to the root). */
  texts: Map<string, string>;
  /** The live diff the promotion would cause in the target (undefined: not computed, see `diffError`). */
  diff?: EnvironmentDiff;
  diffError?: string;
}

export const sha256 = (text: string) => `sha256:${createHash('sha256').update(text).digest('hex')}`;

const firstLine = (e: unknown) => ((e as Error).message ?? String(e)).split('\n')[0] ?? 'failed';

/** Reads one environment's pins (chart versions, image mappings) from its files. */
async function readPins(
  root: string,
  env: Environment,
): Promise<{ pins: EnvironmentPins; texts: Map<string, string> }> {
  const texts = new Map<string, string>();
  const rel = (p: string) => relative(root, p);
  const envText = await readFile(env.file, 'utf8');
  texts.set(rel(env.file), envText);
  const charts = chartPins(envText, rel(env.file), (chart) => treeVersion(join(root, 'charts', chart)));
  const images = [];
  const problems: string[] = [];
  for (const r of env.releases) {
    const values = [];
    for (const f of r.values) {
      const text = await readFile(f, 'utf8');
      texts.set(rel(f), text);
      values.push({ file: rel(f), text });
    }
    const found = imagePins({ release: r.name, values });
    images.push(...found.pins);
    problems.push(...found.problems);
  }
  return { pins: { name: env.name, charts, images, problems }, texts };
}

/**
 * Computes a promotion: reads both environments' pins, asks the registry, the source's and the
 * target's clusters and lint (on a temporary copy of environments/ holding the would-be files),
 * then assembles the plan from those answers alone. Writes nothing in the repository.
 */
export async function planPromotion(cfg: PromoteConfig, req: PromoteRequest): Promise<Planned> {
  const log = cfg.log ?? (() => {});
  const stateDir = cfg.stateDir ?? defaultStateDir();
  const standIns = cfg.standIns ?? standInNames();
  const target = loadEnvironment(cfg.root, req.to, { standIns });
  const source = req.rollback ? target : loadEnvironment(cfg.root, req.from, { standIns });

  const tgt = await readPins(cfg.root, target);
  let rollback: RollbackOf | undefined;
  let src: { pins: EnvironmentPins; texts: Map<string, string> };
  if (req.rollback) {
    const records = await readPromotions(cfg.root, target.name);
    const n = req.rollback.record ?? records.length - 1;
    const rec = records[n - 1];
    if (!rec)
      throw new UserError(
        records.length === 0
          ? `${target.name} has no recorded promotion to roll back to (environments/${target.name}/promotions.jsonl)`
          : req.rollback.record === undefined
            ? `${target.name} has only one recorded promotion: nothing before it to roll back to (see pnpm history --env ${target.name})`
            : `--to ${n}: ${target.name} has promotions 1 to ${records.length} (see pnpm history --env ${target.name})`,
        EXIT.usage,
      );
    rollback = { record: n, time: rec.time, plan: rec.plan };
    src = { pins: rollbackSource(tgt.pins, rec, n), texts: new Map() };
  } else src = await readPins(cfg.root, source);
  const where = await resolveTargets(target, { stateDir });
  if (!where.registry)
    throw new UserError(`${target.name} uses the local registry, which is not running (start it with \`pnpm run up\`)`);
  const targetRegistry = where.registry;
  // The local registry's host: a local cluster pulls every image through it, as a K3s
  // registries.yaml mirror would.
  const mirror = target.cluster.local ? /^oci:\/\/([^/]+)/.exec(targetRegistry)?.[1] : undefined;
  const facts: TargetFacts = {
    ...tgt.pins,
    ...(target.promotesFrom ? { promotesFrom: target.promotesFrom } : {}),
    gates: target.gates,
    registry: targetRegistry,
    imageMirrors: mirror ? { '*': mirror } : {},
    skipped: target.standIn?.skipped ?? [],
    valuesFiles: Object.fromEntries(target.releases.map((r) => [r.name, r.values.map((v) => relative(cfg.root, v))])),
    files: Object.fromEntries([...tgt.texts].map(([f, t]) => [f, sha256(t)])),
  };

  // 1. the registry: every chart version and image of the source, as the target would pull it.
  const asks = lookups({ source: src.pins, target: facts });
  log(`asking ${asks.charts.length} chart versions and ${asks.images.length} images`);
  const registry: RegistryAnswers = {
    charts: await Promise.all(
      asks.charts.map(async ({ pin, ref }) =>
        pin.kind === 'upstream'
          ? {
              chart: pin.chart,
              version: pin.version,
              ref,
              exists: false,
              error: 'upstream chart repositories are not checked (out of reach here)',
            }
          : { ...(await cfg.registry.chart(facts.registry, pin.chart, pin.version)), ref },
      ),
    ),
    images: await Promise.all(
      asks.images.map(async ({ pin, ref, askAt }) => ({
        ref,
        askedAt: askAt,
        ...(await cfg.registry.image(askAt, pin.repository, pin.digest || pin.tag)),
      })),
    ),
  };

  // 2. the would-be files, in a temporary copy of environments/ (charts/ linked, never written).
  const { changes } = pinChanges({ source: src.pins, target: facts, registry });
  const texts = new Map<string, string>();
  const editProblems: string[] = [];
  for (const [file, edits] of editsByFile(changes)) {
    try {
      texts.set(file, editYaml(tgt.texts.get(file) ?? '', edits, file));
    } catch (e) {
      if (!(e instanceof EditError)) throw e;
      editProblems.push(e.message);
    }
  }
  const tmp = await mkdtemp(join(tmpdir(), `kosmos-promote-${target.name}-`));
  try {
    await cp(join(cfg.root, 'environments'), join(tmp, 'environments'), { recursive: true });
    await symlink(join(cfg.root, 'charts'), join(tmp, 'charts'), 'dir');
    for (const [file, text] of texts) await writeFile(join(tmp, file), text);
    const wouldBe = loadEnvironment(tmp, target.name, { standIns });
    const registryOk = asks.charts.every((c) => registry.charts.some((a) => a.ref === c.ref && a.exists && !a.error));

    const sourceLiveP: Promise<SourceLive | undefined> =
      target.gates.sourceHealthy && !rollback
        ? statusForEnvironment(source, { stateDir }).then((s: EnvironmentStatus) => ({
            ...(s.error ? { error: s.error } : {}),
            releases: s.releases.map((r) => ({
              release: r.release,
              deployed: r.deployed,
              helmStatus: r.helmStatus,
              health: r.health,
              unready: r.unready,
            })),
          }))
        : Promise.resolve(undefined);

    const targetSide = withCluster(
      target,
      async (cluster) => {
        let drift: TargetDrift | undefined;
        if (target.gates.noDrift) {
          log(`checking ${target.name} against its own files`);
          drift = await diffEnvironment(target, cluster, { registryUrl: facts.registry }).then(
            (d) => ({
              drift: d.drift,
              releases: d.releases.map((r) => ({
                release: r.release,
                added: r.summary.added,
                changed: r.summary.changed,
                deleted: r.summary.deleted,
              })),
            }),
            (e) => ({ error: firstLine(e), drift: false, releases: [] }),
          );
        }
        if (!registryOk) return { drift, diffError: 'not computed: the registry gate refused' };
        log(`computing what the promotion would change in ${target.name}`);
        try {
          const diff = await diffEnvironment(wouldBe, cluster, { registryUrl: facts.registry });
          return { drift, diff };
        } catch (e) {
          return { drift, diffError: firstLine(e) };
        }
      },
      { targets: where },
    ).catch((e): { drift: TargetDrift; diffError: string } => {
      const error = firstLine(e);
      return { drift: { error, drift: false, releases: [] }, diffError: error };
    });

    // Lint holds the event loop for seconds at a time (schema compilation and validation); run
    // alongside the cluster requests it starves their sockets into false 'no answer' timeouts.
    const t = await targetSide;
    const lintP: Promise<LintOutcome | undefined> = registryOk
      ? (async () => {
          log(`linting ${target.name} with the new pins`);
          try {
            const report = await lintEnvironments(tmp, [wouldBe], {
              registryUrl: facts.registry,
              skipUpstream: Boolean(target.standIn),
            });
            const shown = (f: string) => (f.startsWith(tmp) ? relative(tmp, f) : f);
            return {
              errors: report.findings
                .filter((f) => f.severity === 'error')
                .map((f) => ({
                  rule: f.ruleId,
                  message: f.message,
                  file: shown(f.file),
                  ...(f.line ? { line: f.line } : {}),
                })),
              warnings: report.findings.filter((f) => f.severity === 'warning').length,
            };
          } catch (e) {
            return { error: firstLine(e), errors: [], warnings: 0 };
          }
        })()
      : Promise.resolve(undefined);

    const [sourceLive, lint] = await Promise.all([sourceLiveP, lintP]);
    const inputs: PromotionInputs = {
      source: src.pins,
      target: { ...facts, problems: [...facts.problems, ...editProblems] },
      registry,
      ...(sourceLive ? { sourceLive } : {}),
      ...(t.drift ? { targetDrift: t.drift } : {}),
      ...(lint ? { lint } : {}),
      approval: req.approval,
      allowDrift: req.allowDrift,
      live: liveOf(t),
      sourceFiles: Object.fromEntries([...src.texts].map(([f, x]) => [f, sha256(x)])),
      ...(rollback ? { rollback } : {}),
    };
    return {
      plan: assemblePromotionPlan(inputs),
      inputs,
      source,
      target,
      texts,
      ...('diff' in t && t.diff ? { diff: t.diff } : {}),
      ...('diffError' in t && t.diffError ? { diffError: t.diffError } : {}),
    };
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

/** The live diff as a plan holds it: objects that change, their diffs with every Secret value blanked. */
function liveOf(t: { diff?: EnvironmentDiff; diffError?: string }): LiveDiff {
  if (!t.diff) return { error: t.diffError ?? 'not computed', objects: [] };
  const d = t.diff;
  const objects: LiveChange[] = [];
  for (const r of d.releases)
    for (const o of r.objects) {
      if (o.change === 'unchanged') continue;
      objects.push({
        id: o.id,
        change: o.change,
        diff: d.redactor.redact(o.diff),
        ...(o.note ? { note: d.redactor.redact(o.note) } : {}),
      });
    }
  return {
    ...(d.failed.length ? { error: d.failed.map((f) => `${f.release}: ${f.reason}`).join('; ') } : {}),
    objects,
  };
}

/** After `--apply`: the target's releases as deployed, against the new pins. */
export interface Applied {
  status: EnvironmentStatus;
  /** Releases whose live chart version is not the pin, or that are not Ready. */
  behind: string[];
}

/**
 * Deploys the target with its new files (the deploy library: waves, health checks, rollback of
 * a failed release) and reads its status back: every promoted release must run its new pin, Ready.
 */
export async function applyPromotion(cfg: PromoteConfig, p: Planned): Promise<Applied> {
  if (!cfg.deploy) throw new Error('no deploy function configured');
  const stateDir = cfg.stateDir ?? defaultStateDir();
  const target = loadEnvironment(cfg.root, p.plan.target, { standIns: cfg.standIns ?? standInNames() });
  await cfg.deploy(target);
  const status = await statusForEnvironment(target, { stateDir });
  const behind = status.error
    ? [status.error]
    : status.releases.flatMap((r) =>
        r.upToDate === false ||
        r.health === 'not installed' ||
        (r.health === 'not ready' && r.unready.some((u) => !NO_ROLLOUT_PHASE.test(u)))
          ? [`${r.release}: ${r.deployed ?? 'not installed'} (pinned ${r.pinned}), ${r.health}`]
          : [],
      );
  return { status, behind };
}
