import { UserError } from '@kosmos/errors';
import { describe, expect, it } from 'vitest';
import { HelmError, runHelm } from '../src/run.ts';

describe('runHelm', () => {
  it("fails with helm's own error line, exit 1, and never its arguments", async () => {
    const secret = 's3cr3t-Passw0rd';
    const e = (await runHelm(['template', 'x', '/nonexistent/chart', '--set', `auth.password=${secret}`]).catch(
      (x: unknown) => x,
    )) as HelmError;
    expect(e).toBeInstanceOf(HelmError);
    expect(e).toBeInstanceOf(UserError);
    expect(e.exitCode).toBe(1);
    expect(e.helmExitCode).not.toBe(0);
    expect(e.message).toMatch(/^helm template: .*\/nonexistent\/chart/);
    expect(e.message.split('\n')).toHaveLength(1);
    for (const text of [e.message, e.stack ?? '']) expect(text).not.toContain(secret);
  });

  it('returns stdout of a call that works', async () => {
    expect((await runHelm(['version', '--short'])).stdout).toMatch(/^v4\./);
  });
});
