import { createHash } from 'node:crypto';
import type { ScalarEdit } from './edit.ts';
import { imageRef } from './pins.ts';
import type {
  ChartPin,
  GateResult,
  ImageAnswer,
  ImagePin,
  PinChange,
  PromotionInputs,
  PromotionPlan,
  TargetFacts,
} from './types.ts';

/** Gate ids in the order they are checked and printed. */
export const GATES = ['promotes-from', 'registry', 'source-healthy', 'no-drift', 'lint', 'approval'] as const;

export const GATE_TITLES: Record<(typeof GATES)[number], string> = {
  'promotes-from': "the target's promotesFrom is the source",
  registry: 'every pinned chart version and image is in its registry',
  'source-healthy': 'the source runs exactly these pins, Ready',
  'no-drift': 'the target matches its own files',
  lint: 'lint passes for the target with the new pins',
  approval: 'approved, where the target requires it',
};

/** `sha256:<hex>` or the bare hex, as an approval may carry a plan digest; undefined: not a digest. */
export function asDigest(value: string): string | undefined {
  const m = /^(?:sha256:)?([0-9a-f]{64})$/.exec(value.trim().toLowerCase());
  return m ? `sha256:${m[1]}` : undefined;
}

/** A chart pin's registry reference, as the lookups and the answers name it. */
export function chartRef(target: Pick<TargetFacts, 'registry'>, p: ChartPin): string {
  return p.kind === 'upstream'
    ? `${p.repository ?? ''}#${p.chart}@${p.version}`
    : `${target.registry.replace(/\/$/, '')}/${p.chart}:${p.version}`;
}

/** An image pin's reference to resolve: the source's digest when it has one (what was tested), else its tag. */
export const imageLookupRef = (p: ImagePin) => (p.digest ? `${imageRef(p)}@${p.digest}` : imageRef(p));

/** The host an image is asked for at: its registry, or the mirror the target maps it to. */
export function mirrorFor(target: Pick<TargetFacts, 'imageMirrors'>, registry: string): string {
  return target.imageMirrors[registry] ?? target.imageMirrors['*'] ?? registry;
}

/** The releases a promotion moves: in both environments, not left out of a stand-in. */
export function promoted(i: Pick<PromotionInputs, 'source' | 'target'>): {
  releases: string[];
  untouched: { release: string; reason: string }[];
} {
  const inSource = new Set(i.source.charts.map((c) => c.release));
  const skipped = new Set(i.target.skipped);
  const releases: string[] = [];
  const untouched: { release: string; reason: string }[] = [];
  for (const c of i.target.charts) {
    if (skipped.has(c.release))
      untouched.push({ release: c.release, reason: `upstream chart, not on stand-ins (${c.chart} ${c.version})` });
    else if (!inSource.has(c.release))
      untouched.push({ release: c.release, reason: `not a release of ${i.source.name}` });
    else releases.push(c.release);
  }
  return { releases, untouched };
}

/** What the registry must be asked before a plan can be made. */
export function lookups(i: Pick<PromotionInputs, 'source' | 'target'>): {
  charts: { pin: ChartPin; ref: string }[];
  images: { pin: ImagePin; ref: string; askAt: string }[];
} {
  const { releases } = promoted(i);
  const wanted = new Set(releases);
  return {
    charts: i.source.charts.filter((c) => wanted.has(c.release)).map((pin) => ({ pin, ref: chartRef(i.target, pin) })),
    images: i.source.images
      .filter((p) => wanted.has(p.release))
      .map((pin) => ({ pin, ref: imageLookupRef(pin), askAt: mirrorFor(i.target, pin.registry) })),
  };
}

/** The pinned scalars that change, and the pins that have nowhere to go. */
export function pinChanges(i: Pick<PromotionInputs, 'source' | 'target' | 'registry'>): {
  changes: PinChange[];
  problems: string[];
} {
  const { releases } = promoted(i);
  const wanted = new Set(releases);
  const changes: PinChange[] = [];
  const problems: string[] = [];
  for (const s of i.source.charts) {
    if (!wanted.has(s.release)) continue;
    const t = i.target.charts.find((c) => c.release === s.release);
    if (!t || t.raw === s.version) continue;
    changes.push({ kind: 'chart', release: s.release, what: `chart ${s.chart}`, from: t.raw, to: s.version, at: t.at });
  }
  const answers = new Map<string, ImageAnswer>(i.registry.images.map((a) => [a.ref, a]));
  for (const s of i.source.images) {
    if (!wanted.has(s.release)) continue;
    const t = i.target.images.find((x) => x.release === s.release && x.key === s.key);
    if (!t) {
      const files = i.target.valuesFiles[s.release] ?? [];
      problems.push(
        files.length
          ? `${files[files.length - 1]}: add ${s.key} (registry, repository, tag, digest) so that ${i.source.name}'s image pin ${imageRef(s)} has a place in ${i.target.name}`
          : `${i.target.name}/${s.release} has no values file to pin ${s.key} (${imageRef(s)}) in`,
      );
      continue;
    }
    const digest = answers.get(imageLookupRef(s))?.digest ?? '';
    const fields: [keyof ImagePin & string, string][] = [
      ['registry', s.registry],
      ['repository', s.repository],
      ['tag', s.tag],
    ];
    // An unresolved digest is not written: the registry gate refuses instead.
    if (digest) fields.push(['digest', digest]);
    for (const [field, to] of fields) {
      const from = t[field] as string;
      if (from === to) continue;
      changes.push({
        kind: 'image',
        release: s.release,
        what: `image ${s.key}.${field}`,
        from,
        to,
        at: { file: t.at.file, path: [...t.at.path, field] },
      });
    }
  }
  return { changes, problems };
}

/** The edits each file needs, by file. */
export function editsByFile(changes: readonly PinChange[]): Map<string, ScalarEdit[]> {
  const out = new Map<string, ScalarEdit[]>();
  for (const c of changes) {
    const list = out.get(c.at.file) ?? [];
    list.push({ path: c.at.path, value: c.to });
    out.set(c.at.file, list);
  }
  return out;
}

/** How status words a Rollout without any phase: no Argo Rollouts controller has reported on it. */
export const NO_ROLLOUT_PHASE = /^Rollout\/\S+ Unknown$/;

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/**
 * Each gate's result, from the inputs alone. `digest` is the plan's: the only value that
 * approves it (undefined: the approval gate is left out, as when the digest is being computed).
 */
export function evaluateGates(i: PromotionInputs, digest?: string): GateResult[] {
  const { releases } = promoted(i);
  const gates: GateResult[] = [];
  const { source, target } = i;

  gates.push(
    i.rollback
      ? {
          id: 'promotes-from',
          result: 'pass',
          reason: `a rollback of ${target.name} to its promotion #${i.rollback.record} (${i.rollback.time}, plan ${i.rollback.plan.slice(0, 19)})`,
        }
      : target.promotesFrom === source.name
        ? { id: 'promotes-from', result: 'pass', reason: `${target.name} promotes from ${source.name}` }
        : {
            id: 'promotes-from',
            result: 'refuse',
            reason: target.promotesFrom
              ? `${target.name} promotes from ${target.promotesFrom}, not ${source.name}`
              : `nothing is promoted into ${target.name} (it has no promotesFrom)`,
          },
  );

  const { charts: chartLookups, images: imageLookups } = lookups(i);
  const missing: string[] = [];
  for (const l of chartLookups) {
    const a = i.registry.charts.find((c) => c.ref === l.ref);
    if (!a) missing.push(`${l.ref}: not asked`);
    else if (a.error) missing.push(`${l.ref}: ${a.error}`);
    else if (!a.exists)
      missing.push(
        `${l.ref} not found${source.charts.find((c) => c.release === l.pin.release)?.raw === 'tree' ? ' (release it: pnpm release)' : ''}`,
      );
  }
  for (const l of imageLookups) {
    const a = i.registry.images.find((x) => x.ref === l.ref);
    if (!a) missing.push(`image ${l.ref}: not asked`);
    else if (a.error) missing.push(`image ${l.ref}: ${a.error}`);
    else if (!a.digest) missing.push(`image ${l.ref} not found at ${a.askedAt}`);
  }
  gates.push(
    missing.length
      ? { id: 'registry', result: 'refuse', reason: missing.join('; ') }
      : {
          id: 'registry',
          result: 'pass',
          reason: `${plural(chartLookups.length, 'chart version')} and ${plural(imageLookups.length, 'image')} found, digests resolved`,
        },
  );

  if (i.rollback) {
    gates.push({
      id: 'source-healthy',
      result: 'skip',
      reason: 'a rollback restores recorded pins: no source environment',
    });
  } else if (!target.gates.sourceHealthy) {
    gates.push({ id: 'source-healthy', result: 'skip', reason: `not required by ${target.name}'s gates` });
  } else if (!i.sourceLive) {
    gates.push({ id: 'source-healthy', result: 'refuse', reason: `${source.name}'s cluster was not asked` });
  } else if (i.sourceLive.error) {
    gates.push({ id: 'source-healthy', result: 'refuse', reason: `${source.name}: ${i.sourceLive.error}` });
  } else {
    const bad: string[] = [];
    const unchecked: string[] = [];
    for (const name of releases) {
      const pin = source.charts.find((c) => c.release === name);
      const live = i.sourceLive.releases.find((r) => r.release === name);
      if (!pin) continue;
      if (!live || live.deployed === null) bad.push(`${name} is not installed in ${source.name}`);
      else if (live.deployed !== pin.version) bad.push(`${name} runs ${live.deployed}, pinned ${pin.version}`);
      else if (live.helmStatus !== 'deployed') bad.push(`${name}'s helm release is ${live.helmStatus}`);
      else if (live.health === 'not ready') {
        // A Rollout no controller has given a phase (no Argo Rollouts controller runs) cannot be
        // judged: reported as not checked, as deploy does, rather than as not Ready.
        const noPhase = live.unready.filter((u) => NO_ROLLOUT_PHASE.test(u));
        unchecked.push(...noPhase);
        const rest = live.unready.filter((u) => !NO_ROLLOUT_PHASE.test(u));
        if (rest.length) bad.push(`${name} not ready: ${rest.join(', ')}`);
      }
    }
    const note = unchecked.length ? `; not checked (no controller reports on them): ${unchecked.join(', ')}` : '';
    gates.push(
      bad.length
        ? { id: 'source-healthy', result: 'refuse', reason: `${source.name}: ${bad.join('; ')}${note}` }
        : {
            id: 'source-healthy',
            result: 'pass',
            reason: `${source.name} runs the ${plural(releases.length, 'pinned release')}, Ready${note}`,
          },
    );
  }

  if (!target.gates.noDrift) {
    gates.push({ id: 'no-drift', result: 'skip', reason: `not required by ${target.name}'s gates` });
  } else if (!i.targetDrift || i.targetDrift.error) {
    gates.push({
      id: 'no-drift',
      result: 'refuse',
      reason: `${target.name}'s drift is unknown: ${i.targetDrift?.error ?? 'not asked'}`,
    });
  } else if (i.targetDrift.drift) {
    const what = i.targetDrift.releases
      .filter((r) => r.added + r.changed + r.deleted > 0)
      .map((r) => `${r.release} (${r.added} added, ${r.changed} changed, ${r.deleted} deleted)`)
      .join(', ');
    gates.push(
      i.allowDrift
        ? {
            id: 'no-drift',
            result: 'warn',
            reason: `${target.name} has drifted from its files: ${what} (--allow-drift)`,
          }
        : {
            id: 'no-drift',
            result: 'refuse',
            reason: `${target.name} has drifted from its files: ${what}; see pnpm diff --env ${target.name}, or pass --allow-drift`,
          },
    );
  } else {
    gates.push({ id: 'no-drift', result: 'pass', reason: `${target.name} matches its files` });
  }

  const registryRefused = gates.some((g) => g.id === 'registry' && g.result === 'refuse');
  if (registryRefused) {
    gates.push({ id: 'lint', result: 'skip', reason: 'not run: the registry gate refused (nothing to render)' });
  } else if (!i.lint || i.lint.error) {
    gates.push({ id: 'lint', result: 'refuse', reason: `lint did not run: ${i.lint?.error ?? 'not asked'}` });
  } else if (i.lint.errors.length) {
    const first = i.lint.errors
      .slice(0, 3)
      .map((e) => `${e.rule}: ${e.file ? `${e.file}${e.line ? `:${e.line}` : ''}: ` : ''}${e.message}`);
    gates.push({
      id: 'lint',
      result: 'refuse',
      reason: `${plural(i.lint.errors.length, 'error')} with the new pins: ${first.join('; ')}${i.lint.errors.length > 3 ? '; …' : ''}`,
    });
  } else {
    gates.push({
      id: 'lint',
      result: 'pass',
      reason: `no errors${i.lint.warnings ? ` (${plural(i.lint.warnings, 'warning')})` : ''}`,
    });
  }

  if (digest === undefined) return gates;
  if (!target.gates.approval) {
    gates.push({ id: 'approval', result: 'skip', reason: `not required by ${target.name}'s gates` });
  } else if (i.approval.value === undefined) {
    gates.push({
      id: 'approval',
      result: 'refuse',
      reason: `${target.name} requires approval of this plan: pass --approve ${digest} (CI: KOSMOS_APPROVE=${digest})`,
    });
  } else {
    const given = asDigest(i.approval.value);
    const via = i.approval.via ?? 'the approval';
    gates.push(
      given === digest
        ? { id: 'approval', result: 'pass', reason: `${via} names this plan (${digest.slice(0, 19)}…)` }
        : {
            id: 'approval',
            result: 'refuse',
            reason: given
              ? `${via} names plan ${given}, not this plan ${digest}`
              : `${via} is "${i.approval.value.length > 80 ? `${i.approval.value.slice(0, 80)}…` : i.approval.value}", not a plan digest (expected ${digest})`,
          },
    );
  }
  return gates;
}

/** JSON with object keys sorted, so equal content gives equal bytes whatever the insertion order. */
export function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (v && typeof v === 'object')
    return `{${Object.keys(v)
      .sort()
      .filter((k) => (v as Record<string, unknown>)[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((v as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  return JSON.stringify(v);
}

/** The part of a plan its digest covers, in canonical JSON. */
export function digestedContent(p: Omit<PromotionPlan, 'digest' | 'refused' | 'problems' | 'untouched'>): string {
  return canonicalJson({
    source: p.source,
    target: p.target,
    rollback: p.rollback,
    changes: p.changes,
    files: p.files,
    sourceFiles: p.sourceFiles,
    charts: p.charts,
    images: p.images,
    live: p.live,
    allowDrift: p.allowDrift,
    gates: p.gates.filter((g) => g.id !== 'approval').map((g) => ({ id: g.id, result: g.result })),
  });
}

export const digestOf = (p: Omit<PromotionPlan, 'digest' | 'refused' | 'problems' | 'untouched'>) =>
  `sha256:${createHash('sha256').update(digestedContent(p)).digest('hex')}`;

/**
 * The promotion plan, from data only: which pins change (old → new), where they are written,
 * the chart and image digests and the live diff they were computed against, each gate's
 * result, and the plan's digest. No I/O: everything the cluster, the registry and lint said is
 * in `inputs`.
 */
export function assemblePromotionPlan(inputs: PromotionInputs): PromotionPlan {
  const { changes, problems } = pinChanges(inputs);
  const { untouched } = promoted(inputs);
  const content = {
    source: inputs.source.name,
    target: inputs.target.name,
    ...(inputs.rollback ? { rollback: inputs.rollback } : {}),
    changes,
    // Every file of the target as read, not only those written: a change to any of them since
    // (another promotion, a hand edit) makes this plan stale.
    files: inputs.target.files,
    sourceFiles: inputs.sourceFiles ?? {},
    charts: inputs.registry.charts.map((c) => ({ ref: c.ref, digest: c.digest ?? null })),
    images: inputs.registry.images.map((c) => ({ ref: c.ref, digest: c.digest ?? null })),
    live: inputs.live ?? { error: 'not computed', objects: [] },
    allowDrift: inputs.allowDrift,
    gates: evaluateGates(inputs),
  };
  const digest = digestOf(content);
  const gates = evaluateGates(inputs, digest);
  return {
    ...content,
    gates,
    problems: [...inputs.source.problems, ...inputs.target.problems, ...problems],
    untouched,
    refused: gates.some((g) => g.result === 'refuse'),
    digest,
  };
}

/**
 * What differs between an approved plan and the same plan computed now, one line per pin,
 * file, chart, image or live object (empty: the same plan). The approval gate is not compared:
 * it is what is being given.
 */
export function planDifferences(approved: PromotionPlan, now: PromotionPlan): string[] {
  const out: string[] = [];
  if (approved.source !== now.source || approved.target !== now.target)
    out.push(`the plan is ${approved.source} -> ${approved.target}, this one ${now.source} -> ${now.target}`);
  const byKey = <T>(list: readonly T[], key: (t: T) => string) => new Map(list.map((t) => [key(t), t]));
  const keys = (a: Map<string, unknown>, b: Map<string, unknown>) => [...new Set([...a.keys(), ...b.keys()])].sort();

  const pinKey = (c: PinChange) => `${c.release}: ${c.what} (${c.at.file})`;
  const pa = byKey(approved.changes, pinKey);
  const pn = byKey(now.changes, pinKey);
  for (const k of keys(pa, pn)) {
    const a = pa.get(k);
    const n = pn.get(k);
    const show = (c?: PinChange) => (c ? `${c.from || '""'} -> ${c.to}` : 'no change');
    if (show(a) !== show(n)) out.push(`pin ${k}: approved ${show(a)}, now ${show(n)}`);
  }

  const files = (p: PromotionPlan) => new Map(Object.entries({ ...p.sourceFiles, ...p.files }));
  const fa = files(approved);
  const fn = files(now);
  for (const k of keys(fa, fn)) {
    if (fa.get(k) === fn.get(k)) continue;
    out.push(`file ${k} ${!fn.has(k) ? 'is gone' : !fa.has(k) ? 'is new' : 'changed'} since the plan was made`);
  }

  for (const [what, a, n] of [
    ['chart', approved.charts, now.charts],
    ['image', approved.images, now.images],
  ] as const) {
    const ma = byKey<{ ref: string; digest: string | null }>(a, (x) => x.ref);
    const mn = byKey<{ ref: string; digest: string | null }>(n, (x) => x.ref);
    for (const k of keys(ma, mn)) {
      const da = ma.get(k)?.digest ?? null;
      const dn = mn.get(k)?.digest ?? null;
      if (ma.has(k) && mn.has(k) && da === dn) continue;
      out.push(
        !mn.has(k)
          ? `${what} ${k} is no longer in the plan`
          : !ma.has(k)
            ? `${what} ${k} is new in the plan`
            : `${what} ${k} now names ${dn ?? 'nothing'}, the plan ${da ?? 'nothing'}`,
      );
    }
  }

  if ((approved.live.error ?? '') !== (now.live.error ?? ''))
    out.push(`live diff: approved ${approved.live.error ?? 'computed'}, now ${now.live.error ?? 'computed'}`);
  const la = byKey(approved.live.objects, (o) => o.id);
  const ln = byKey(now.live.objects, (o) => o.id);
  for (const k of keys(la, ln)) {
    const a = la.get(k);
    const n = ln.get(k);
    if (a && n && a.change === n.change && a.diff === n.diff && a.note === n.note) continue;
    out.push(
      `object ${k}: the plan would ${a ? `have it ${a.change}` : 'leave it unchanged'}, now ${n ? `${n.change}` : 'unchanged'}${a && n && a.change === n.change ? ' with another diff (changed in the cluster since)' : ''}`,
    );
  }

  const ga = byKey(
    approved.gates.filter((g) => g.id !== 'approval'),
    (g) => g.id,
  );
  for (const g of now.gates) {
    if (g.id === 'approval') continue;
    const a = ga.get(g.id);
    if (a && a.result !== g.result) out.push(`gate ${g.id}: approved ${a.result}, now ${g.result}: ${g.reason}`);
  }
  if (approved.allowDrift !== now.allowDrift)
    out.push(`--allow-drift: plan ${approved.allowDrift}, now ${now.allowDrift}`);
  return out;
}
