import { EXIT, progress, runCommand, UserError } from '@kosmos/cli';
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
  applyPromotion,
  formatPlan,
  ociRegistry,
  PromotionRefused,
  planJson,
  planPromotion,
  REFUSED,
  refusals,
  writePromotion,
} from '@kosmos/promote';

/** The approval as given, kept as a value: issue 14 will require it to carry the plan's digest. */
function approvalFrom(flag: boolean, vars: NodeJS.ProcessEnv): Approval {
  if (flag) return { value: 'yes', via: '--approve' };
  const v = vars.KOSMOS_APPROVE;
  return v !== undefined && v !== '' ? { value: v, via: 'KOSMOS_APPROVE' } : {};
}

await runCommand({
  name: 'promote',
  summary: "move one environment's pins (chart versions, image tags and digests) into the next, after gates",
  usage: 'pnpm promote --from ENV --to ENV [--approve] [--apply] [--allow-drift] [--json] [--root DIR]',
  flags: [
    '--from ENV          the environment whose pins move (dev: the tree, whose chart versions must be released)',
    '--to ENV            the environment whose files are rewritten (its promotesFrom must be --from)',
    '--approve           approve, where the target requires it (CI: KOSMOS_APPROVE=1, or true/yes)',
    '--apply             after writing, deploy the target and check that it runs the new pins, Ready',
    "--allow-drift       promote even if the target's cluster has drifted from its files (a warning)",
    '--json              print the plan as JSON on stdout (progress stays on stderr)',
    '--root DIR          repository root (default: found from the current folder)',
    '',
    'Gates, in order: promotes-from, registry (chart versions exist, image tags resolve to digests),',
    "source-healthy, no-drift, lint (the target's would-be files), approval. The plan is printed",
    'first: pins old -> new and the live diff the promotion would cause. Files are rewritten in',
    'place (comments, key order and quoting kept) under a lock, only if none changed since read.',
    `Local clusters stand in for staging/production with ${STAND_IN_VARIABLE}=staging,production.`,
  ],
  exitCodes: [
    '0  promoted (or nothing to promote)',
    '1  failed (a cluster or registry error, --apply did not converge)',
    '2  bad usage or input (unknown environment, a pin with no place in the target)',
    '3  refused: a gate refused, another promotion holds the lock, or a file changed; nothing written',
  ],
  options: {
    from: { type: 'string' },
    to: { type: 'string' },
    approve: { type: 'boolean' },
    apply: { type: 'boolean' },
    'allow-drift': { type: 'boolean' },
    json: { type: 'boolean' },
    root: { type: 'string' },
  },
  async run({ values }) {
    if (!values.from || !values.to)
      throw new UserError('--from and --to are required (e.g. --from dev --to staging)', EXIT.usage);
    const started = performance.now();
    const root = (values.root as string | undefined) ?? findRepoRoot();
    const stateDir = defaultStateDir();
    for (const name of [values.from as string, values.to as string]) {
      const env = loadEnvironment(root, name);
      progress(`${env.name}: ${describeTargets(await resolveTargets(env, { stateDir }))}`);
    }
    const cfg = { root, registry: ociRegistry, stateDir, log: (l: string) => progress(`promote: ${l}`) };
    const planned = await planPromotion(cfg, {
      from: values.from as string,
      to: values.to as string,
      approval: approvalFrom(values.approve === true, process.env),
      allowDrift: values['allow-drift'] === true,
    });
    const plan = planned.plan;
    const color = !values.json && process.stdout.isTTY === true && !process.env.NO_COLOR;
    if (!values.json) process.stdout.write(formatPlan(planned, { color }));
    const finish = (extra: Record<string, unknown>) => {
      if (values.json)
        process.stdout.write(planJson(planned, { ...extra, seconds: (performance.now() - started) / 1000 }));
      progress(`promote ${plan.source} -> ${plan.target} took ${((performance.now() - started) / 1000).toFixed(1)}s`);
    };
    if (plan.problems.length) {
      finish({ outcome: 'bad input' });
      throw new UserError(plan.problems.join('\n'), EXIT.usage);
    }
    for (const g of plan.gates) if (g.result === 'warn') progress(`warning: gate ${g.id}: ${g.reason}`);
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
    if (!values.apply) {
      finish({ outcome: plan.changes.length ? 'written' : 'nothing to promote', written });
      return EXIT.ok;
    }
    const deploy = deployFunction(stateDir);
    progress(`promote: deploying ${plan.target}`);
    const applied = await applyPromotion({ ...cfg, deploy }, planned);
    finish({ outcome: applied.behind.length ? 'apply failed' : 'applied', written, behind: applied.behind });
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
