import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { EXIT, intFlag, runCommand, table, UserError } from '../src/index.ts';

let stderr: string;
let stdout: string;
beforeEach(() => {
  stderr = '';
  stdout = '';
  process.exitCode = undefined;
  vi.spyOn(process.stderr, 'write').mockImplementation((s) => {
    stderr += String(s);
    return true;
  });
  vi.spyOn(process.stdout, 'write').mockImplementation((s) => {
    stdout += String(s);
    return true;
  });
});
afterEach(() => {
  vi.restoreAllMocks();
  process.exitCode = undefined;
});

const spec = (run: () => Promise<number | undefined>) => ({
  name: 'demo',
  summary: 'a demo command',
  usage: 'demo [--json]',
  flags: ['--json   json output'],
  options: { json: { type: 'boolean' as const } },
  run,
});

describe('runCommand', () => {
  it('prints help with usage, flags and exit codes', async () => {
    await runCommand(
      spec(async () => 0),
      ['--help'],
    );
    expect(stdout).toContain('Usage: demo [--json]');
    expect(stdout).toContain('Exit codes:');
    expect(process.exitCode).toBe(0);
  });

  it('rejects an unknown flag as a usage error on one line', async () => {
    await runCommand(
      spec(async () => 0),
      ['--nope'],
    );
    expect(process.exitCode).toBe(EXIT.usage);
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).toMatch(/demo: .*--nope/);
  });

  it('prints a user error as one line without a stack, with its exit code', async () => {
    await runCommand(
      spec(async () => {
        throw new UserError('environments/dev/environment.yaml:3:5: releases[0].name: expected a string', 2);
      }),
      [],
    );
    expect(stderr).toBe('demo: environments/dev/environment.yaml:3:5: releases[0].name: expected a string\n');
    expect(process.exitCode).toBe(2);
  });

  it("prints any package's UserError subclass as one line with its exit code, the CLI knowing nothing of it", async () => {
    class GateRefused extends UserError {
      override name = 'GateRefused';
    }
    await runCommand(
      spec(async () => {
        throw new GateRefused('staging: release web has drift', EXIT.refused);
      }),
      [],
    );
    expect(stderr).toBe('demo: staging: release web has drift\n');
    expect(process.exitCode).toBe(3);
  });

  it('hides the stack of an unexpected error unless --debug is given', async () => {
    const boom = spec(async () => {
      throw new TypeError('x is undefined');
    });
    await runCommand(boom, []);
    expect(stderr).not.toContain('    at ');
    expect(stderr).toContain('--debug');
    stderr = '';
    await runCommand(boom, ['--debug']);
    expect(stderr).toContain('    at ');
  });
});

describe('table', () => {
  it('pads columns to the widest cell', () => {
    expect(
      table([
        ['A', 'BB'],
        ['ccc', 'd'],
      ]),
    ).toBe('A    BB\nccc  d');
  });
});

describe('intFlag', () => {
  it('takes the default, a valid number, and refuses anything else as a usage error', () => {
    expect(intFlag({}, 'concurrency', { min: 1, default: 3 })).toBe(3);
    expect(intFlag({ concurrency: '8' }, 'concurrency', { min: 1, default: 3 })).toBe(8);
    for (const bad of ['0', 'x', '1.5']) {
      let err: unknown;
      try {
        intFlag({ concurrency: bad }, 'concurrency', { min: 1, default: 3 });
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(UserError);
      expect(err).toMatchObject({
        exitCode: EXIT.usage,
        message: `--concurrency: expected a whole number ≥ 1, got "${bad}"`,
      });
    }
  });
});

describe('exit codes', () => {
  it('ignores the exit code a failing tool carries (only user errors choose theirs)', async () => {
    await runCommand(
      spec(async () => {
        throw Object.assign(new Error('helm template: boom'), { name: 'HelmError', exitCode: 2 });
      }),
      [],
    );
    expect(process.exitCode).toBe(EXIT.failed);
  });
});
