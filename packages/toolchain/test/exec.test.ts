import { describe, expect, it } from 'vitest';
import { execDirect } from '../src/exec.ts';

describe('execDirect', () => {
  it('passes arguments as they are (no shell) and stdin, and collects both outputs', async () => {
    const r = await execDirect(
      'node',
      ['-e', 'process.stdin.pipe(process.stdout); console.error(process.argv[1])', '$HOME;`x`'],
      {
        input: 'in',
      },
    );
    expect(r).toEqual({ stdout: 'in', stderr: '$HOME;`x`\n', exitCode: 0 });
  });
  it('reports a non-zero exit status without throwing', async () => {
    expect((await execDirect('node', ['-e', 'process.exit(3)'])).exitCode).toBe(3);
  });
  it('reports a tool that cannot start', async () => {
    const r = await execDirect('/nonexistent/tool', ['x']);
    expect(r.exitCode).toBeNull();
    expect(r.startError).toBe('ENOENT');
  });
});
