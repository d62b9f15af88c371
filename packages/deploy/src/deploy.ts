import type { Environment } from '@kosmos/environment';
import { HelmError, history, prepareChart, type Revision, rollback, uninstall, upgrade } from '@kosmos/helm';
import { type Cluster, decodeReleaseRecord, helmRelease, withCluster } from '@kosmos/kube';
import type { KubeObject } from '@kosmos/objects';
import { DeployError } from './errors.ts';
import { inspectWorkloads, type UncheckedObject, type UnreadyObject } from './health.ts';
import { type DeployPlan, type PlanInput, type PlannedRelease, planDeploy } from './plan.ts';
import { type DeployTarget, resolveTarget } from './target.ts';

/**
 * - `deployed`: helm succeeded and the workloads are Ready.
 * - `failed`: helm or the health check failed; see `rolledBack` for what was undone.
 * - `not-started`: an earlier wave failed.
 * - `skipped`: left out (`--skip-upstream`).
 * - `planned`: a dry run.
 */
export type Outcome = 'deployed' | 'failed' | 'not-started' | 'skipped' | 'planned';

export interface ReleaseResult {
  name: string;
  namespace: string;
  /** Chart version deployed (or meant to be). */
  version: string;
  /** Where the chart came from: `oci://…/core-agents`, a tree folder, or `<repo> <chart>`. */
  chart: string;
  /** 0-based wave; -1 for skipped releases. */
  wave: number;
  outcome: Outcome;
  /** helm's revision after the deploy (after the rollback, for a failed upgrade). */
  revision?: number;
  seconds: number;
  /** helm's error line, or why the health check failed. Never helm's full output. */
  error?: string;
  /** What undid a failed release: `rolled back to revision 3`, `uninstalled (first install)`. */
  rolledBack?: string;
  /** Objects that did not become Ready, with why (last seen before helm gave up). */
  unready: UnreadyObject[];
  /** Objects not waited for, with why (Rollouts no controller reports on). */
  unchecked: UncheckedObject[];
  /** For skipped releases. */
  reason?: string;
}

export interface DeployResult {
  env: string;
  cluster: string;
  registry?: string;
  dryRun: boolean;
  ok: boolean;
  timeout: string;
  waves: string[][];
  releases: ReleaseResult[];
  /** A dry run's plan: the waves and exact helm arguments that a run would use. */
  plan?: DeployPlan;
  /** The release that stopped the deploy, first one found. */
  failed?: { release: string; error: string; unready: UnreadyObject[] };
  seconds: number;
}

export type DeployEvent =
  | { type: 'start'; env: string; cluster: string; registry?: string; waves: string[][]; skipped: string[] }
  | { type: 'wave'; wave: number; of: number; releases: string[] }
  | { type: 'release-start'; release: string; version: string; chart: string }
  | { type: 'release-done'; result: ReleaseResult }
  | { type: 'health'; wave: number; ok: boolean; seconds: number; unchecked: UncheckedObject[] }
  | { type: 'rollback'; release: string; action: string };

/** What a deploy talks to (helm's `action.Configuration`): one cluster, by kubeconfig and by API client. */
export interface Configuration {
  target: DeployTarget;
  cluster: Cluster;
}

export interface DeployOptions {
  onProgress?: (e: DeployEvent) => void;
  /**
   * How long a Rollout may stay without any status before it is reported as unchecked instead
   * of waited for (default 10 s): a Rollouts controller writes a status within a second or two,
   * so none after this means no controller runs, and waiting the full timeout would only fail
   * every deploy on clusters that have the CRD but not the controller.
   */
  rolloutGraceMs?: number;
  /** How often workloads are looked at while helm waits (default 2 s). */
  pollMs?: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const secondsSince = (t: number) => Math.round((Date.now() - t) / 100) / 10;

export function chartLabel(p: PlannedRelease): string {
  const c = p.chart;
  return c.kind === 'registry' ? c.ref : c.kind === 'tree' ? c.dir : `${c.repository} ${c.name}`;
}

/** Helm's records of a release, newest first, decoded only when asked. */
async function records(cluster: Cluster, namespace: string, name: string) {
  const secrets = await cluster.list('v1', 'Secret', { namespace, labelSelector: `owner=helm,name=${name}` });
  return secrets
    .filter((s) => s.type === 'helm.sh/release.v1')
    .map((s) => ({
      revision: Number(s.metadata.labels?.version ?? 0),
      status: s.metadata.labels?.status ?? '',
      objects: (): KubeObject[] => {
        const data = (s.data as Record<string, string> | undefined)?.release;
        return data ? decodeReleaseRecord(data).objects : [];
      },
    }))
    .sort((a, b) => b.revision - a.revision);
}

const helmLine = (e: unknown) =>
  e instanceof HelmError ? e.message : e instanceof Error ? (e.message.split('\n')[0] ?? '') : String(e);

/**
 * The deploy action: carries out a plan against one cluster. A wave's releases run at once;
 * after each wave the workloads are checked (Rollouts included); the first failure stops the
 * later waves. Nothing is printed: progress goes to `onProgress`, the outcome is the result.
 */
export class Deploy {
  constructor(
    private readonly cfg: Configuration,
    private readonly o: DeployOptions = {},
  ) {}

  private emit(e: DeployEvent) {
    this.o.onProgress?.(e);
  }

  /** The plan's `required` releases must be live at their pins before anything starts. */
  async checkRequired(plan: DeployPlan): Promise<void> {
    const problems: string[] = [];
    for (const r of plan.required) {
      const live = await helmRelease(this.cfg.cluster, r.namespace, r.name);
      const state = !live
        ? 'not installed'
        : live.status !== 'deployed'
          ? `${live.status} at ${live.chart.version}`
          : live.chart.version !== r.version
            ? `deployed at ${live.chart.version}`
            : undefined;
      if (state)
        problems.push(
          `${r.neededBy.join(', ')} need${r.neededBy.length > 1 ? '' : 's'} ${r.name} ${r.version} (${state})`,
        );
    }
    if (problems.length)
      throw new DeployError(
        `${plan.env}: ${problems.join('; ')}: deploy ${problems.length > 1 ? 'those' : 'it'} first, or add --with-needs`,
      );
  }

  async run(plan: DeployPlan): Promise<DeployResult> {
    const started = Date.now();
    const waves = plan.waves.map((w) => w.map((r) => r.name));
    this.emit({
      type: 'start',
      env: plan.env,
      cluster: this.cfg.target.clusterLabel,
      ...(plan.registry ? { registry: plan.registry } : {}),
      waves,
      skipped: plan.skipped.map((s) => s.name),
    });
    await this.checkRequired(plan);
    const trees = new Set(plan.waves.flat().flatMap((r) => (r.chart.kind === 'tree' ? [r.chart.dir] : [])));
    await Promise.all([...trees].map((d) => prepareChart(d)));

    const results: ReleaseResult[] = [];
    let failed: DeployResult['failed'];
    for (const [w, wave] of plan.waves.entries()) {
      if (failed) {
        for (const p of wave) results.push(blank(p, 'not-started'));
        continue;
      }
      this.emit({ type: 'wave', wave: w, of: plan.waves.length, releases: wave.map((r) => r.name) });
      // A release whose bookkeeping fails (history unreadable, say) fails alone: the others of
      // its wave are already running and must be waited for and reported.
      const done = await Promise.all(
        wave.map((p) =>
          this.release(p).catch((e: unknown) => {
            const result: ReleaseResult = { ...blank(p, 'failed'), error: helmLine(e) };
            this.emit({ type: 'release-done', result });
            return { result, before: [] as Revision[] };
          }),
        ),
      );
      // A wave where helm already failed is not health checked: its failure is the story.
      if (done.every((d) => d.result.outcome === 'deployed')) {
        const h = await this.health(plan, done);
        this.emit({ type: 'health', wave: w, ...h });
      }
      for (const d of done) results.push(d.result);
      const bad = done.find((d) => d.result.outcome === 'failed');
      if (bad) failed = { release: bad.result.name, error: bad.result.error ?? 'failed', unready: bad.result.unready };
    }
    for (const s of plan.skipped) {
      results.push(skippedResult(s));
    }
    return {
      env: plan.env,
      cluster: this.cfg.target.clusterLabel,
      ...(plan.registry ? { registry: plan.registry } : {}),
      dryRun: false,
      ok: !failed,
      timeout: plan.timeout,
      waves,
      releases: results,
      ...(failed ? { failed } : {}),
      seconds: secondsSince(started),
    };
  }

  /** One `helm upgrade --install`, with its workloads watched meanwhile to say what never became Ready. */
  private async release(p: PlannedRelease): Promise<{ result: ReleaseResult; before: Revision[] }> {
    const t0 = Date.now();
    const { cluster, target } = this.cfg;
    this.emit({ type: 'release-start', release: p.name, version: p.version, chart: chartLabel(p) });
    const before = await history(p.name, p.namespace, target.kube);
    const lastBefore = before.at(-1)?.revision ?? 0;
    let unready: UnreadyObject[] = [];
    let sawRecord = false;
    let watching = true;
    const watcher = (async () => {
      while (watching) {
        await sleep(this.o.pollMs ?? 2000);
        if (!watching) break;
        try {
          const latest = (await records(cluster, p.namespace, p.name))[0];
          // Only the revision this deploy made: a rollback's revision would show the old spec.
          if (!latest || latest.revision !== lastBefore + 1 || !watching) continue;
          sawRecord = true;
          const seen = await inspectWorkloads(cluster, latest.objects(), p.namespace);
          if (watching && seen.unready.length > 0) unready = seen.unready;
          else if (watching) unready = [];
        } catch {
          // A poll that fails (API hiccup) only loses one observation; helm's own wait decides.
        }
      }
    })();
    let error: string | undefined;
    try {
      await upgrade(p.upgrade, target.kube);
    } catch (e) {
      error = helmLine(e);
    } finally {
      watching = false;
      await watcher;
    }
    const after = await history(p.name, p.namespace, target.kube).catch(() => [] as Revision[]);
    const last = after.at(-1);
    const base = {
      name: p.name,
      namespace: p.namespace,
      version: p.version,
      chart: chartLabel(p),
      wave: p.wave,
      unchecked: [],
    };
    let result: ReleaseResult;
    if (!error) {
      result = {
        ...base,
        outcome: 'deployed',
        ...(last ? { revision: last.revision } : {}),
        seconds: secondsSince(t0),
        unready: [],
      };
    } else {
      const made = (last?.revision ?? 0) > lastBefore || sawRecord;
      let rolledBack: string | undefined;
      if (!last && made) rolledBack = 'uninstalled (first install)';
      else if (last && last.revision > lastBefore + 1 && last.status === 'deployed')
        rolledBack = `rolled back to revision ${rollbackSource(last)}`;
      const what =
        p.chart.kind === 'upstream' && !made
          ? `upstream chart ${p.chart.name} ${p.chart.version} from ${p.chart.repository} could not be fetched or installed (--skip-upstream leaves upstream charts out): `
          : '';
      result = {
        ...base,
        outcome: 'failed',
        ...(last ? { revision: last.revision } : {}),
        seconds: secondsSince(t0),
        error: `${what}${error}`,
        ...(rolledBack ? { rolledBack } : {}),
        unready,
      };
    }
    this.emit({ type: 'release-done', result });
    return { result, before };
  }

  /**
   * After a wave: every workload of its releases Ready, Rollouts Healthy. helm's watcher has
   * already waited for the kinds kstatus knows; a Rollout's `phase` is ours to check. A release
   * that fails here is rolled back by us, as helm would have.
   */
  private async health(
    plan: DeployPlan,
    done: { result: ReleaseResult; before: Revision[] }[],
  ): Promise<{ ok: boolean; seconds: number; unchecked: UncheckedObject[] }> {
    const t0 = Date.now();
    const grace = this.o.rolloutGraceMs ?? 10_000;
    const deadline = t0 + plan.timeoutMs;
    const unchecked: UncheckedObject[] = [];
    await Promise.all(
      done.map(async (d) => {
        const r = d.result;
        const record = await helmRelease(this.cfg.cluster, r.namespace, r.name);
        const objects = record?.objects ?? [];
        for (;;) {
          const seen = await inspectWorkloads(this.cfg.cluster, objects, r.namespace);
          const waitingForStatus = seen.statusless.length > 0 && Date.now() - t0 < grace;
          if (seen.unready.length === 0 && !waitingForStatus) {
            r.unchecked = seen.statusless;
            unchecked.push(...seen.statusless);
            return;
          }
          if (seen.degraded.length > 0 || Date.now() > deadline) {
            r.outcome = 'failed';
            r.unready = seen.unready;
            const first = seen.unready[0];
            r.error = first ? `${first.kind} ${first.namespace}/${first.name} not Ready: ${first.reason}` : 'not Ready';
            r.rolledBack = await this.undo(r, d.before, plan.timeout);
            r.seconds = Math.round((r.seconds + (Date.now() - t0) / 1000) * 10) / 10;
            return;
          }
          await sleep(this.o.pollMs ?? 2000);
        }
      }),
    );
    return { ok: done.every((d) => d.result.outcome === 'deployed'), seconds: secondsSince(t0), unchecked };
  }

  /** Undoes a release that helm deployed but that failed our check: back to what ran before, or gone. */
  private async undo(r: ReleaseResult, before: Revision[], timeout: string): Promise<string> {
    const previous = [...before].reverse().find((x) => x.status === 'deployed');
    const target = this.cfg.target.kube;
    try {
      if (previous) {
        this.emit({ type: 'rollback', release: r.name, action: `rollback to revision ${previous.revision}` });
        await rollback(r.name, r.namespace, previous.revision, { timeout, target });
        const last = (await history(r.name, r.namespace, target)).at(-1);
        if (last) r.revision = last.revision;
        return `rolled back to revision ${previous.revision}`;
      }
      this.emit({ type: 'rollback', release: r.name, action: 'uninstall (first install)' });
      await uninstall(r.name, r.namespace, { timeout, target });
      delete r.revision;
      return 'uninstalled (first install)';
    } catch (e) {
      return `rollback failed: ${helmLine(e)}`;
    }
  }
}

/** helm's description of a rollback revision names its source: `Rollback to 3`. */
function rollbackSource(r: Revision): number {
  const m = /Rollback to (\d+)/.exec(r.description);
  return m ? Number(m[1]) : r.revision;
}

function blank(p: PlannedRelease, outcome: Outcome): ReleaseResult {
  return {
    name: p.name,
    namespace: p.namespace,
    version: p.version,
    chart: chartLabel(p),
    wave: p.wave,
    outcome,
    seconds: 0,
    unready: [],
    unchecked: [],
  };
}

/** A dry run's result: the plan, nothing run. */
export function plannedResult(plan: DeployPlan, target: DeployTarget): DeployResult {
  return {
    env: plan.env,
    cluster: target.clusterLabel,
    ...(plan.registry ? { registry: plan.registry } : {}),
    dryRun: true,
    ok: true,
    plan,
    timeout: plan.timeout,
    waves: plan.waves.map((w) => w.map((r) => r.name)),
    releases: [...plan.waves.flat().map((p) => blank(p, 'planned')), ...plan.skipped.map(skippedResult)],
    seconds: 0,
  };
}

export interface DeployEnvironmentOptions extends Omit<PlanInput, 'registry'>, DeployOptions {
  /** Print the plan only: nothing is run and the cluster is not contacted. */
  dryRun?: boolean;
  /** State folder of `pnpm run up`, for environments on the local cluster and registry. */
  stateDir?: string;
  /** Called with the plan before anything runs (the CLI prints it). */
  onPlan?: (plan: DeployPlan, target: DeployTarget) => void;
}

/**
 * Deploys an environment (or some of its releases): resolves its cluster and registry, plans,
 * checks the cluster answers, runs. Throws DeployError when it cannot start (bad selection,
 * needs not deployed, cluster unreachable); a release that fails is in the result, not thrown.
 */
export async function deployEnvironment(env: Environment, o: DeployEnvironmentOptions = {}): Promise<DeployResult> {
  // The plan first (a bad selection is a usage error wherever the cluster is), then the cluster
  // must really be there unless this is a dry run.
  const stateDir = o.stateDir ? { stateDir: o.stateDir } : {};
  const named = await resolveTarget(env, { ...stateDir, lenient: true });
  const plan = planDeploy(env, {
    ...(named.registry ? { registry: named.registry } : {}),
    ...(o.releases ? { releases: o.releases } : {}),
    ...(o.withNeeds ? { withNeeds: true } : {}),
    ...(o.skipUpstream ? { skipUpstream: true } : {}),
    ...(o.timeout ? { timeout: o.timeout } : {}),
    ...(o.treeVersion ? { treeVersion: o.treeVersion } : {}),
  });
  const target = o.dryRun ? named : await resolveTarget(env, { targets: named.targets });
  o.onPlan?.(plan, target);
  if (o.dryRun) return plannedResult(plan, target);
  const opts: DeployOptions = {};
  if (o.onProgress) opts.onProgress = o.onProgress;
  if (o.rolloutGraceMs !== undefined) opts.rolloutGraceMs = o.rolloutGraceMs;
  if (o.pollMs !== undefined) opts.pollMs = o.pollMs;
  return withCluster(env, (cluster) => new Deploy({ target, cluster }, opts).run(plan), { targets: target.targets });
}

/** A release the plan left out (an upstream chart under --skip-upstream), as a result row. */
function skippedResult(s: { name: string; namespace: string; reason: string }): ReleaseResult {
  return {
    name: s.name,
    namespace: s.namespace,
    version: '',
    chart: '',
    wave: -1,
    outcome: 'skipped',
    seconds: 0,
    unready: [],
    unchecked: [],
    reason: s.reason,
  };
}
