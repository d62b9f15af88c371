import { execFile } from 'node:child_process';
import { appendPromotion, type PromotionRecord } from '@kosmos/environment';
import { promotionRecord } from './planfile.ts';
import type { Planned } from './promote.ts';

function git(root: string, key: string): Promise<string> {
  return new Promise((done) =>
    execFile('git', ['-C', root, 'config', '--get', key], (err, stdout) => done(err ? '' : stdout.trim())),
  );
}

/**
 * Who is promoting: in CI, the CI's user and run (GitHub Actions: GITHUB_ACTOR and the run's
 * address; GitLab: GITLAB_USER_LOGIN); otherwise git's user.name <user.email>.
 */
export async function actorOf(root: string, vars: NodeJS.ProcessEnv = process.env): Promise<string> {
  if (vars.GITHUB_ACTOR) {
    const run =
      vars.GITHUB_SERVER_URL && vars.GITHUB_REPOSITORY && vars.GITHUB_RUN_ID
        ? ` (${vars.GITHUB_SERVER_URL}/${vars.GITHUB_REPOSITORY}/actions/runs/${vars.GITHUB_RUN_ID})`
        : '';
    return `${vars.GITHUB_ACTOR}${run}`;
  }
  if (vars.GITLAB_USER_LOGIN) return `${vars.GITLAB_USER_LOGIN}${vars.CI_JOB_URL ? ` (${vars.CI_JOB_URL})` : ''}`;
  const [name, email] = await Promise.all([git(root, 'user.name'), git(root, 'user.email')]);
  if (name || email) return `${name}${email ? ` <${email}>` : ''}`.trim();
  return vars.USER ?? 'unknown';
}

/** Appends the audit record of a promotion whose files were written; returns it and its number. */
export async function recordPromotion(
  root: string,
  p: Planned,
  o: { actor: string; outcome: string; time?: Date },
): Promise<{ record: PromotionRecord; n: number }> {
  const record = promotionRecord({
    plan: p.plan,
    inputs: p.inputs,
    actor: o.actor,
    time: o.time ?? new Date(),
    outcome: o.outcome,
  });
  return { record, n: await appendPromotion(root, record) };
}
