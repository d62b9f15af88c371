import { EXIT, UserError } from '@kosmos/errors';
import { describe, expect, it } from 'vitest';

class GateRefused extends UserError {
  override name = 'GateRefused';
}

describe('UserError', () => {
  it('carries its message and exit code; failed by default', () => {
    const e = new UserError('no such environment "qa"');
    expect(e).toBeInstanceOf(Error);
    expect(e.message).toBe('no such environment "qa"');
    expect(e.exitCode).toBe(EXIT.failed);
    expect(new UserError('bad flag', EXIT.usage).exitCode).toBe(2);
  });

  it('subclasses keep instanceof, their own name and exit code', () => {
    const e = new GateRefused('staging has drift', EXIT.refused);
    expect(e).toBeInstanceOf(UserError);
    expect(e.name).toBe('GateRefused');
    expect(e.exitCode).toBe(3);
  });
});
