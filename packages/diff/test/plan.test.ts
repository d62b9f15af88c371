import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { UserError } from '@kosmos/cli';
import { loadEnvironment } from '@kosmos/environment';
import { ApiError, type Cluster, type DryRunResult } from '@kosmos/kube';
import type { KubeObject, ObjectRef } from '@kosmos/objects';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatJson, formatText } from '../src/format.ts';
import { diffEnvironment } from '../src/plan.ts';
import { environmentStatus } from '../src/status.ts';

const repo = resolve(import.meta.dirname, '../../..');
/** A 4-character password: short, and still never printed. */
const PASSWORD = 'pw42';
const target = 'context "fake" (https://127.0.0.1:6443)';
let root: string;

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'kosmos-plan-'));
  cpSync(join(repo, 'test/fixtures'), root, { recursive: true });
  const file = join(root, 'environments/diff-fixture/environment.yaml');
  writeFileSync(
    file,
    readFileSync(file, 'utf8').replace('KUBECONFIG_PATH', join(root, 'none.kubeconfig')).replace('NAMESPACE', 'ns'),
  );
  writeFileSync(
    join(root, 'environments/diff-fixture/values/app.yaml'),
    `secret:\n  password: ${PASSWORD}\n  token: tok-ok\n`,
  );
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A cluster with nothing installed, whose API server answers as `onSecret` says for Secrets. */
function fakeCluster(onSecret: (o: KubeObject) => DryRunResult, calls: string[] = []): Cluster {
  return {
    client: {
      context: 'fake',
      server: 'https://127.0.0.1:6443',
      target,
      ping: async () => {
        calls.push('ping');
        return 'v1.36.3';
      },
    },
    withNamespace: async (o: KubeObject, namespace: string) =>
      o.metadata.namespace ? o : { ...o, metadata: { ...o.metadata, namespace } },
    list: async (apiVersion: string, kind: string, o: { namespace?: string; labelSelector?: string } = {}) => {
      calls.push(`list ${apiVersion} ${kind} ${o.namespace} ${o.labelSelector}`);
      return [];
    },
    get: async (_ref: ObjectRef) => undefined,
    applyDryRun: async (o: KubeObject): Promise<DryRunResult> =>
      o.kind === 'Secret' ? onSecret(o) : { ok: true, object: o },
  } as unknown as Cluster;
}

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

describe('environmentStatus', () => {
  it('reads each Helm release record once (the one diff read) and leaves pinging to its caller', async () => {
    const env = loadEnvironment(root, 'diff-fixture');
    const calls: string[] = [];
    const s = await environmentStatus(
      env,
      fakeCluster((o) => ({ ok: true, object: o }), calls),
    );
    expect(s.releases.map((r) => [r.release, r.health, r.drift])).toEqual([['app', 'not installed', true]]);
    expect(calls).toEqual(['list v1 Secret ns owner=helm,name=app']);
  });
});
