import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { EnvironmentError, helmSchemaProblems, loadEnvironment } from '@kosmos/environment';
import { EXIT } from '@kosmos/errors';
import { afterAll, describe, expect, it } from 'vitest';
import { renderEnvironment } from '../src/render.ts';

const repo = resolve(import.meta.dirname, '../../..');
const root = mkdtempSync(join(tmpdir(), 'kosmos-values-errors-'));
cpSync(join(repo, 'charts'), join(root, 'charts'), { recursive: true });
cpSync(join(repo, 'environments'), join(root, 'environments'), { recursive: true });
afterAll(() => rmSync(root, { recursive: true, force: true }));

async function renderError(release: string, text: string): Promise<EnvironmentError> {
  writeFileSync(join(root, `environments/dev/values/${release}.yaml`), text);
  const env = loadEnvironment(root, 'dev');
  const e = await renderEnvironment(env, { only: [release] }).catch((x: unknown) => x);
  expect(e).toBeInstanceOf(EnvironmentError);
  return e as EnvironmentError;
}

describe('values files that break a chart, through render', () => {
  it('shows every schema violation at file:line:col with the key and what was expected, exit 2', async () => {
    const e = await renderError(
      'core-agents',
      'environment: dev\nagentDefaults:\n  replicaCount: "three"\nbogusKey: 1\n',
    );
    expect(e.exitCode).toBe(EXIT.usage);
    const lines = e.message.split('\n').sort();
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(
      /^environments\/dev\/values\/core-agents\.yaml:3:17: agentDefaults\.replicaCount: expected integer.*got "three"$/,
    );
    expect(lines[1]).toMatch(
      /^environments\/dev\/values\/core-agents\.yaml:4:1: bogusKey: unknown key "bogusKey" \(expected one of: .*agents\)$/,
    );
  });

  it('a tab-indented values file is bad input (exit 2), at its line', async () => {
    const e = await renderError('rollouts', 'canary:\n\tenabled: true\n');
    expect(e.exitCode).toBe(EXIT.usage);
    expect(e.message).toBe(
      'environments/dev/values/rollouts.yaml:2:1: invalid YAML: Tabs are not allowed as indentation',
    );
  });
});

describe('helm schema failures placed in the values files', () => {
  it("puts each of helm's violations at the deepest key a values file writes", () => {
    const env = loadEnvironment(root, 'dev');
    writeFileSync(join(root, 'environments/dev/values/platform.yaml'), 'namespaces:\n  core:\n    name: x\n');
    const platform = env.releases.find((r) => r.name === 'platform');
    if (!platform) throw new Error('dev has a platform release');
    const stderr = [
      "Error: values don't meet the specifications of the schema(s) in the following chart(s):",
      'platform:',
      "- at '/namespaces/core': missing property 'labels'",
      "- at '/quota': got string, want object",
      '',
    ].join('\n');
    expect(helmSchemaProblems(root, platform, stderr)).toEqual([
      {
        file: 'environments/dev/values/platform.yaml',
        line: 3,
        col: 5,
        path: 'namespaces.core',
        message: "missing property 'labels'",
      },
      {
        file: 'environments/dev/values/platform.yaml',
        line: 1,
        col: 1,
        path: 'quota',
        message: 'got string, want object',
      },
    ]);
    expect(helmSchemaProblems(root, platform, 'Error: template: x: nil pointer')).toEqual([]);
  });
});
