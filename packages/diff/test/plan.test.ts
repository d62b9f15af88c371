import { rmSync } from 'node:fs';
import { UserError } from '@kosmos/cli';
import { loadEnvironment } from '@kosmos/environment';
import { ApiError } from '@kosmos/kube';
import type { KubeObject } from '@kosmos/objects';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatJson, formatText } from '../src/format.ts';
import { diffEnvironment } from '../src/plan.ts';
import { fakeCluster, fixtureRoot, target } from './fake-cluster.ts';

/** A 4-character password: short, and still never printed. */
const PASSWORD = 'pw42';
let root: string;

beforeAll(() => {
  root = fixtureRoot(PASSWORD);
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

const echoing = (o: KubeObject) =>
  `Secret "${o.metadata.name}" is invalid: stringData[password]: Invalid value: "${PASSWORD}" (${Buffer.from(PASSWORD).toString('base64')})`;

describe('diffEnvironment and Secret values in server messages', () => {
  it('rethrows an API error that echoes a 4-character password with it blanked, still user-facing', async () => {
    const env = loadEnvironment(root, 'diff-fixture');
    const cluster = fakeCluster((o) => {
      throw new ApiError(target, `PATCH /api/v1/namespaces/ns/secrets/${o.metadata.name}`, echoing(o), 500, '');
    });
    const e = (await diffEnvironment(env, cluster).catch((x: unknown) => x)) as ApiError;
    expect(e).toBeInstanceOf(ApiError);
    expect(e).toBeInstanceOf(UserError);
    expect(e.message.startsWith(`${target}: PATCH `)).toBe(true);
    expect(e.message).toContain('Invalid value: "<hidden>" (<hidden>)');
    for (const text of [e.message, e.stack ?? '', e.serverMessage]) expect(text).not.toContain(PASSWORD);
  });

  it('blanks the same password in a rejection note, in text and JSON', async () => {
    const env = loadEnvironment(root, 'diff-fixture');
    const cluster = fakeCluster((o) => ({ ok: false, problem: { kind: 'rejected', message: echoing(o) } }));
    const d = await diffEnvironment(env, cluster);
    const text = formatText(d);
    expect(text).toContain('the API server rejects it: Secret "app-credentials" is invalid');
    for (const out of [text, formatJson(d)]) {
      expect(out).not.toContain(PASSWORD);
      expect(out).not.toContain(Buffer.from(PASSWORD).toString('base64'));
    }
  });
});
