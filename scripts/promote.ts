import { readFile } from 'node:fs/promises';
import { EXIT, intFlag, progress, runCommand, UserError, writeAtomic } from '@kosmos/cli';
import { deployEnvironment, formatEvent } from '@kosmos/deploy';
import {
  defaultStateDir,
  describeTargets,
  type Environment,
  findRepoRoot,
  loadEnvironment,
  resolveTargets,
  STAND_IN_VARIABLE,
} from '@kosmos/environment';
import {
  type Approval,
  actorOf,
  applyPromotion,
  formatPlan,
  ociRegistry,
  type PromoteRequest,
  type PromotionPlan,
  PromotionRefused,
  parsePlanFile,
  planDifferences,
  planFileText,
  planJson,
  planPromotion,
  REFUSED,
  recordPromotion,
  refusals,
  writePromotion,
} from '@kosmos/promote';

/** The approval as given: `--approve DIGEST`, else the CI variable; it must name the plan's digest. */
function approvalFrom(flag: string | undefined, vars: NodeJS.ProcessEnv): Approval {
  if (flag !== undefined) return { value: flag, via: '--approve' };
  const v = vars.KOSMOS_APPROVE;
  return v !== undefined && v !== '' ? { value: v, via: 'KOSMOS_APPROVE' } : {};
}

await runCommand({
  name: 'promote',
  summary: "move one environment's pins (chart versions, image tags and digests) into the next, after gates",
  usage: [
    'pnpm promote --from ENV --to ENV [--plan-out FILE] [--approve DIGEST] [--apply] [--allow-drift] [--json]',
    'pnpm promote --plan FILE [--approve DIGEST] [--apply] [--json]',
    'pnpm promote --rollback --env ENV [--to N] [--plan-out FILE] [--approve DIGEST] [--apply] [--json]',
  ].join('\n       '),
  flags: [
    '--from ENV          the environment whose pins move (dev: the tree, whose chart versions must be released)',
    '--to ENV            the environment whose files are rewritten (its promotesFrom must be --from)',
    '--plan-out FILE     write the plan (pins, chart and image digests, gates, live diff, digest) and stop',
    '--plan FILE         carry out a plan written by --plan-out: recomputed first; refused (exit 3) if',
    '                    any pin, file, chart or image digest or live object differs from it',
    '--approve DIGEST    approve the plan with this digest, where the target requires approval',
    '                    (CI: KOSMOS_APPROVE=DIGEST); any other value refuses',
    '--rollback          a plan restoring the pins of an earlier promotion of --env (pnpm history)',
    '--env ENV           with --rollback: the environment rolled back',
    '--to N              with --rollback: the promotion number to restore (default: the one before the last)',
    '--apply             after writing, deploy the target and check that it runs the new pins, Ready',
    "--allow-drift       promote even if the target's cluster has drifted from its files (a warning)",
    '--json              print the plan as JSON on stdout (progress stays on stderr)',
    '--root DIR          repository root (default: found from the current folder)',
    '',
    'Gates, in order: promotes-from, registry (chart versions exist, image tags resolve to digests),',
    "source-healthy, no-drift, lint (the target's would-be files), approval. The plan is printed",
    'first: pins old -> new and the live diff the promotion would cause, and its sha256 digest.',
    'Files are rewritten in place (comments, key order and quoting kept) under a lock, only if none',
    'changed since read. Each promotion written appends one line to',
    'environments/<target>/promotions.jsonl (see pnpm history).',
    `Local clusters stand in for staging/production with ${STAND_IN_VARIABLE}=staging,production.`,
  ],
  exitCodes: [
    '0  promoted, nothing to promote, or (--plan-out) the plan written with no gate refusing but approval',
    '1  failed (a cluster or registry error, --apply did not converge)',
    '2  bad usage or input (unknown environment, a pin with no place in the target, a plan file edited)',
    '3  refused: a gate refused, the plan differs from the one given, another promotion holds the lock,',
    '   or a file changed; nothing written',
  ],
  options: {
    from: { type: 'string' },
    to: { type: 'string' },
    env: { type: 'string' },
    rollback: { type: 'boolean' },
    plan: { type: 'string' },
    'plan-out': { type: 'string' },
    approve: { type: 'string' },
    apply: { type: 'boolean' },
    'allow-drift': { type: 'boolean' },
    json: { type: 'boolean' },
    root: { type: 'string' },
  },
  async run({ values }) {
    const started = performance.now();
    const root = (values.root as string | undefined) ?? findRepoRoot();
    const stateDir = defaultStateDir();
    const planFile = values.plan as string | undefined;
    const planOut = values['plan-out'] as string | undefined;
    if (planFile && planOut) throw new UserError('--plan and --plan-out: give one', EXIT.usage);
    if (planOut && values.apply)
      throw new UserError('--plan-out only writes the plan; carry it out with --plan FILE --apply', EXIT.usage);

    let request: PromoteRequest;
    let approved: PromotionPlan | undefined;
    const approval = approvalFrom(values.approve as string | undefined, process.env);
    if (planFile) {
      if (values.from || values.to || values.rollback || values.env || values['allow-drift'])
        throw new UserError(
          '--plan FILE carries its own source, target and options: give no --from/--to/--rollback/--env/--allow-drift',
          EXIT.usage,
        );
      const text = await readFile(planFile, 'utf8').catch(() => {
        throw new UserError(`${planFile}: cannot be read`, EXIT.usage);
      });
      approved = parsePlanFile(text, planFile);
      request = {
        // A rollback's source is a record of the target (`staging#1`), not an environment.
        from: approved.rollback ? approved.target : approved.source,
        to: approved.target,
        approval,
        allowDrift: approved.allowDrift,
        ...(approved.rollback ? { rollback: { record: approved.rollback.record } } : {}),
      };
      progress(`promote: carrying out plan ${approved.digest} from ${planFile}`);
    } else if (values.rollback) {
      if (!values.env) throw new UserError('--rollback needs --env ENV (e.g. --rollback --env staging)', EXIT.usage);
      if (values.from)
        throw new UserError('--rollback takes no --from: its source is a recorded promotion', EXIT.usage);
      const record = values.to === undefined ? undefined : intFlag(values, 'to', { min: 1, default: 1 });
      request = {
        from: values.env as string,
        to: values.env as string,
        approval,
        allowDrift: values['allow-drift'] === true,
        rollback: record === undefined ? {} : { record },
      };
    } else {
      if (!values.from || !values.to)
        throw new UserError(
          '--from and --to are required (e.g. --from dev --to staging), or --plan FILE, or --rollback --env ENV',
          EXIT.usage,
        );
      request = {
        from: values.from as string,
        to: values.to as string,
        approval,
        allowDrift: values['allow-drift'] === true,
      };
    }
    for (const name of new Set([request.from, request.to])) {
      const env = loadEnvironment(root, name);
      progress(`${env.name}: ${describeTargets(await resolveTargets(env, { stateDir }))}`);
    }
    const cfg = { root, registry: ociRegistry, stateDir, log: (l: string) => progress(`promote: ${l}`) };
    const planned = await planPromotion(cfg, request);
    const plan = planned.plan;
    const color = !values.json && process.stdout.isTTY === true && !process.env.NO_COLOR;
    const finish = (extra: Record<string, unknown>) => {
      if (values.json)
        process.stdout.write(planJson(planned, { ...extra, seconds: (performance.now() - started) / 1000 }));
      progress(`promote ${plan.source} -> ${plan.target} took ${((performance.now() - started) / 1000).toFixed(1)}s`);
    };

    if (approved) {
      const differences = planDifferences(approved, plan);
      if (differences.length === 0 && approved.digest !== plan.digest)
        differences.push(`the plan's content differs: ${approved.digest} given, ${plan.digest} now`);
      if (differences.length) {
        if (!values.json) process.stdout.write(formatPlan(planned, { color }));
        finish({ outcome: 'refused', refusedBy: 'plan', differences });
        progress(`promote: ${planFile} (plan ${approved.digest}) is no longer what promoting would do:`);
        for (const d of differences) progress(`promote:   ${d}`);
        progress('promote: nothing written; make a new plan with --plan-out and approve that one');
        return REFUSED;
      }
    }
    if (!values.json) process.stdout.write(formatPlan(planned, { color }));
    progress(`promote: plan ${plan.digest}`);
    if (plan.problems.length) {
      finish({ outcome: 'bad input' });
      throw new UserError(plan.problems.join('\n'), EXIT.usage);
    }
    for (const g of plan.gates) if (g.result === 'warn') progress(`warning: gate ${g.id}: ${g.reason}`);

    if (planOut) {
      await writeAtomic(planOut, planFileText(plan));
      progress(`promote: wrote plan ${plan.digest} to ${planOut}`);
      const blocking = plan.gates.filter((g) => g.result === 'refuse' && g.id !== 'approval');
      const awaits = plan.gates.some((g) => g.id === 'approval' && g.result === 'refuse');
      if (awaits && !blocking.length)
        progress(`promote: ${plan.target} requires approval: pnpm promote --plan ${planOut} --approve ${plan.digest}`);
      for (const r of refusals({ ...plan, gates: blocking })) progress(`promote: ${r}`);
      finish({ outcome: blocking.length ? 'refused' : 'planned', planFile: planOut });
      return blocking.length ? REFUSED : EXIT.ok;
    }

    if (plan.refused) {
      finish({ outcome: 'refused' });
      for (const r of refusals(plan)) progress(`promote: ${r}`);
      progress('promote: nothing written');
      return REFUSED;
    }
    let written: string[] = [];
    if (plan.changes.length === 0)
      progress(`promote: ${plan.target} already has ${plan.source}'s pins; nothing to write`);
    else {
      try {
        written = await writePromotion(root, planned);
      } catch (e) {
        if (e instanceof PromotionRefused) finish({ outcome: 'refused', refusedBy: e.gate });
        throw e;
      }
      for (const w of written) progress(`promote: wrote ${w}`);
    }
    const actor = written.length ? await actorOf(root) : '';
    const record = async (outcome: string) => {
      if (!written.length) return undefined;
      const { n } = await recordPromotion(root, planned, { actor, outcome });
      progress(`promote: recorded as ${plan.target}'s promotion #${n} (pnpm history --env ${plan.target})`);
      return n;
    };
    if (!values.apply) {
      const n = await record('written');
      finish({ outcome: plan.changes.length ? 'written' : 'nothing to promote', written, record: n });
      return EXIT.ok;
    }
    const deploy = deployFunction(stateDir);
    progress(`promote: deploying ${plan.target}`);
    let applied: Awaited<ReturnType<typeof applyPromotion>>;
    try {
      applied = await applyPromotion({ ...cfg, deploy }, planned);
    } catch (e) {
      await record(`apply failed: ${(e as Error).message.split('\n')[0]}`);
      throw e;
    }
    const outcome = applied.behind.length ? `apply failed: ${applied.behind.join('; ')}` : 'applied';
    const n = await record(outcome);
    finish({ outcome: applied.behind.length ? 'apply failed' : 'applied', written, behind: applied.behind, record: n });
    if (applied.behind.length) {
      for (const b of applied.behind) progress(`promote: after --apply: ${b}`);
      return EXIT.failed;
    }
    progress(`promote: ${plan.target} runs the new pins, Ready`);
    return EXIT.ok;
  },
});

/** The deploy library, as `pnpm run deploy` runs it: waves, health checks, rollback; its progress on stderr. */
function deployFunction(stateDir: string): (env: Environment) => Promise<void> {
  return async (env) => {
    const result = await deployEnvironment(env, {
      stateDir,
      onProgress: (e) => {
        const line = formatEvent(e);
        if (line) progress(`deploy: ${line}`);
      },
    });
    if (!result.ok)
      throw new UserError(
        `deploying ${env.name} failed${result.failed ? `: ${result.failed.release}: ${result.failed.error}` : ''}`,
        EXIT.failed,
      );
  };
}
