import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { EXIT, UserError } from '@kosmos/cli';
import { defaultStateDir, readState } from '@kosmos/environment';
import { type PackagedChart, packageChart, prepareChart, pushChart, type SignOptions } from '@kosmos/helm';
import {
  chartRepository,
  dockerConfigFor,
  ENV_PASSWORD,
  ENV_USERNAME,
  findCredentials,
  ociTag,
  parseRegistryUrl,
  RegistryClient,
  type RegistryRef,
  type RetryPolicy,
} from '@kosmos/registry';
import { DigestCache } from './cache.ts';
import { type TreeChart, treeCharts } from './charts.ts';
import { createTag, dirtyPaths, gitTags } from './git.ts';
import { type Published, planRelease, type ReleasePlan, type Step } from './plan.ts';

export interface ReleaseOptions {
  /** Repository root (holds charts/). */
  root: string;
  /** `oci://host/path`; undefined: the local registry of `pnpm run up` (dev's). */
  registry?: string;
  dryRun?: boolean;
  sign?: SignOptions;
  env?: NodeJS.ProcessEnv;
  retry?: Partial<RetryPolicy>;
  progress?: (line: string) => void;
  /** Called after each chart is pushed and verified (tests stop the registry here). */
  afterPush?: (chart: string) => Promise<void> | void;
}

export interface ReleaseResult {
  registry: string;
  /** Where the registry came from: the flag, or the local environment. */
  registrySource: 'flag' | 'local';
  dryRun: boolean;
  pushed: { chart: string; version: string; digest: string; reference: string }[];
  skipped: { chart: string; version: string; digest: string; note?: string }[];
  refused: { chart: string; version: string; reason: string; built?: string; published?: string }[];
  tagged: string[];
  notes: string[];
  /** Set when the run stopped early (a push that failed): what is done stays done; run again. */
  error?: string;
  seconds: number;
}

/** The exit code a result deserves: 1 when anything was refused or failed. */
export const releaseExitCode = (r: ReleaseResult): number =>
  r.refused.length > 0 || r.error !== undefined ? EXIT.failed : EXIT.ok;

/** `--registry`, or the local registry `pnpm run up` started (what dev uses). */
export async function resolveRegistry(
  flag: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ ref: RegistryRef; source: 'flag' | 'local' }> {
  if (flag) return { ref: parseRegistryUrl(flag), source: 'flag' };
  const state = await readState(defaultStateDir(env));
  if (!state)
    throw new UserError(
      'no --registry given and the local registry is not running: start it with `pnpm run up`, or pass --registry oci://HOST/PATH',
      EXIT.failed,
    );
  return {
    ref: parseRegistryUrl(`oci://${state.registry}/charts`, `${defaultStateDir(env)}/state.json registry`),
    source: 'local',
  };
}

/** Runs `fn` over `items`, `limit` at a time, keeping their order in the result. */
async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (t: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i] as T);
      }
    }),
  );
  return out;
}

const TRANSIENT_PUSH =
  /connection refused|connection reset|broken pipe|i\/o timeout|timeout|EOF|\b50[0234]\b|too many requests/i;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * `pnpm release`: package every chart of the tree reproducibly, ask the registry what each
 * version holds, plan (push / skip / refuse), then push what is absent, read each manifest back
 * to check its chart layer is the archive just built, and tag `<chart>@<version>` in git.
 * Every step is idempotent, so a run stopped anywhere and started again finishes what is missing.
 */
export async function release(o: ReleaseOptions): Promise<ReleaseResult> {
  const started = performance.now();
  const env = o.env ?? process.env;
  const log = o.progress ?? (() => {});
  const { ref, source } = await resolveRegistry(o.registry, env);
  log(
    `release: registry ${ref.url}${source === 'local' ? ' (the local registry of pnpm run up)' : ''}${o.dryRun ? ' (dry run: nothing is pushed or tagged)' : ''}`,
  );

  const charts = treeCharts(o.root);
  const creds = await findCredentials(ref.host, { env, commandHost: ref.host });
  const client = new RegistryClient({
    host: ref.host,
    plainHttp: ref.plainHttp,
    ...(creds ? { credentials: creds } : {}),
    ...(o.retry ? { retry: o.retry } : {}),
    onRetry: log,
  });

  const work = await mkdtemp(join(tmpdir(), 'kosmos-release-'));
  try {
    // Ask the registry and hash the charts at once; package only what the registry does not
    // already hold with the digest remembered for this exact content (see DigestCache).
    const cache = await DigestCache.open(o.root);
    const [keys, published, tags] = await Promise.all([
      Promise.all(charts.map((c) => cache.key(c, charts))),
      mapLimit(charts, 4, async (c): Promise<Published> => {
        const s = await client.chart(chartRepository(ref, c.name), ociTag(c.version));
        return s.state === 'absent' ? s : { state: 'present', chartDigest: s.chartDigest, signed: s.signed };
      }),
      gitTags(o.root),
    ]);
    const built = new Map<string, string>();
    const archives = new Map<string, PackagedChart>();
    const toPackage = charts.filter((c, i) => {
      const known = cache.get(keys[i] as string);
      const p = published[i] as Published;
      if (known && p.state === 'present' && p.chartDigest === known) {
        built.set(c.name, known);
        return false;
      }
      return true;
    });
    if (toPackage.length < charts.length)
      log(`release: ${charts.length - toPackage.length} chart(s) unchanged since packaged, not packaged again`);
    await mapLimit(toPackage, 2, async (c) => {
      await prepareChart(c.dir);
      const p = await packageChart(
        { dir: c.dir, destination: join(work, c.name), ...(o.sign ? { sign: o.sign } : {}) },
        env,
      );
      archives.set(c.name, p);
      built.set(c.name, p.digest);
      cache.set(keys[charts.indexOf(c)] as string, p.digest);
    });
    await cache.save(keys);
    const plan = planRelease({
      charts,
      published: new Map(charts.map((c, i) => [c.name, published[i] as Published])),
      built,
      gitTags: tags,
      sign: o.sign !== undefined,
    });
    return await carryOut(o, { ref, source, client, charts, archives, plan, work, creds, started });
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

interface Ctx {
  ref: RegistryRef;
  source: 'flag' | 'local';
  client: RegistryClient;
  charts: TreeChart[];
  archives: Map<string, PackagedChart>;
  plan: ReleasePlan;
  work: string;
  creds: Awaited<ReturnType<typeof findCredentials>>;
  started: number;
}

async function carryOut(o: ReleaseOptions, c: Ctx): Promise<ReleaseResult> {
  const log = o.progress ?? (() => {});
  const result: ReleaseResult = {
    registry: c.ref.url,
    registrySource: c.source,
    dryRun: o.dryRun === true,
    pushed: [],
    skipped: [],
    refused: [],
    tagged: [],
    notes: [],
    seconds: 0,
  };
  const dirOf = new Map(c.charts.map((t) => [t.name, t.dir]));
  const toTag = c.plan.steps.filter(
    (s): s is Extract<Step, { action: 'push' | 'skip' }> => s.action !== 'refuse' && !!s.tag,
  );
  const dirty =
    o.dryRun || toTag.length === 0
      ? new Set<string>()
      : await dirtyPaths(
          o.root,
          toTag.map((s) => dirOf.get(s.chart) ?? ''),
        );

  // Credentials from the environment reach helm through a private config file, never its arguments.
  let registryConfig: string | undefined;
  if (c.creds && !o.dryRun && c.creds.source === `${ENV_USERNAME}/${ENV_PASSWORD}` && c.plan.push > 0) {
    registryConfig = join(c.work, 'registry-config.json');
    await writeFile(registryConfig, dockerConfigFor(c.ref.host, c.creds), { mode: 0o600 });
    await chmod(registryConfig, 0o600);
  }

  const tag = async (s: { chart: string; version: string; tag: string | undefined }) => {
    if (!s.tag || o.dryRun) return;
    const dir = dirOf.get(s.chart) ?? '';
    if (dirty.has(dir)) {
      result.notes.push(`${s.tag} not tagged: ${relative(o.root, dir)} has uncommitted changes`);
      return;
    }
    await createTag(o.root, s.tag);
    result.tagged.push(s.tag);
  };

  for (const s of c.plan.steps) {
    if (s.action === 'refuse') {
      result.refused.push({
        chart: s.chart,
        version: s.version,
        reason: s.reason,
        ...(s.built ? { built: s.built } : {}),
        ...(s.published ? { published: s.published } : {}),
      });
      log(`  refused ${s.chart} ${s.version}: ${s.reason}`);
      continue;
    }
    if (s.action === 'skip') {
      result.skipped.push({
        chart: s.chart,
        version: s.version,
        digest: s.digest,
        ...(s.note ? { note: s.note } : {}),
      });
      await tag(s);
      continue;
    }
    const reference = `${c.ref.url}/${s.chart}:${ociTag(s.version)}`;
    if (o.dryRun) {
      log(`  would push ${s.chart} ${s.version} (${s.digest})`);
      result.pushed.push({ chart: s.chart, version: s.version, digest: s.digest, reference });
      continue;
    }
    const archive = c.archives.get(s.chart);
    if (!archive) throw new Error(`no archive for ${s.chart}`);
    try {
      await pushWithRetry(archive.archive, c.ref, registryConfig, o.env ?? process.env, log, o.retry);
      // helm push overwrites silently; what landed is checked, not assumed.
      const back = await c.client.chart(chartRepository(c.ref, s.chart), ociTag(s.version));
      if (back.state === 'absent') throw new Error(`${reference} is missing right after helm push`);
      if (back.chartDigest !== s.digest)
        throw new Error(
          `${reference}: the registry holds chart layer ${back.chartDigest ?? '(none)'} right after pushing ${s.digest}`,
        );
    } catch (e) {
      result.error = `pushing ${s.chart} ${s.version}: ${(e as Error).message}`;
      result.notes.push('what was pushed before stays published; run pnpm release again to finish');
      break;
    }
    result.pushed.push({ chart: s.chart, version: s.version, digest: s.digest, reference });
    log(`  pushed ${reference} (${s.digest})`);
    await tag(s);
    await o.afterPush?.(s.chart);
  }
  result.seconds = Math.round(performance.now() - c.started) / 1000;
  return result;
}

async function pushWithRetry(
  archive: string,
  ref: RegistryRef,
  registryConfig: string | undefined,
  env: NodeJS.ProcessEnv,
  log: (l: string) => void,
  retry: Partial<RetryPolicy> | undefined,
): Promise<void> {
  const attempts = retry?.attempts ?? 4;
  const base = retry?.baseDelayMs ?? 500;
  for (let n = 1; ; n++) {
    try {
      await pushChart(
        { archive, registry: ref.url, plainHttp: ref.plainHttp, ...(registryConfig ? { registryConfig } : {}) },
        env,
      );
      return;
    } catch (e) {
      const msg = (e as Error).message;
      if (n >= attempts || !TRANSIENT_PUSH.test(msg)) throw e;
      const delay = Math.min(retry?.maxDelayMs ?? 4000, base * 2 ** (n - 1));
      log(`  ${msg}; retrying in ${(delay / 1000).toFixed(1)}s`);
      await sleep(delay);
    }
  }
}

/** The summary for people: one line per chart, then the counts. */
export function formatResult(r: ReleaseResult): string {
  const lines: string[] = [];
  const verb = r.dryRun ? 'would push' : 'pushed';
  for (const p of r.pushed) lines.push(`${verb.padEnd(10)} ${p.chart} ${p.version}  ${p.digest}`);
  for (const s of r.skipped)
    lines.push(`${'skipped'.padEnd(10)} ${s.chart} ${s.version}  already published${s.note ? ` (${s.note})` : ''}`);
  for (const f of r.refused) lines.push(`${'refused'.padEnd(10)} ${f.chart} ${f.version}  ${f.reason}`);
  for (const t of r.tagged) lines.push(`${'tagged'.padEnd(10)} ${t}`);
  for (const n of r.notes) lines.push(`note: ${n}`);
  if (r.error) lines.push(`error: ${r.error}`);
  lines.push(
    `${r.registry}: ${r.pushed.length} ${verb}, ${r.skipped.length} skipped, ${r.refused.length} refused${r.dryRun ? ' (dry run)' : ''} in ${r.seconds.toFixed(1)}s`,
  );
  return `${lines.join('\n')}\n`;
}
