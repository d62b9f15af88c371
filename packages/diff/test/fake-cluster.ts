import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Cluster, DryRunResult } from '@kosmos/kube';
import type { KubeObject, ObjectRef } from '@kosmos/objects';

// Shared by the diff and status unit tests: a copy of test/fixtures and a cluster that answers
// from data, for what those tests check (redaction, how often the cluster is asked).

const repo = resolve(import.meta.dirname, '../../..');
export const target = 'context "fake" (https://127.0.0.1:6443)';

/** A temporary copy of test/fixtures whose diff-fixture release carries `password` in a Secret. */
export function fixtureRoot(password: string): string {
  const root = mkdtempSync(join(tmpdir(), 'kosmos-plan-'));
  cpSync(join(repo, 'test/fixtures'), root, { recursive: true });
  const file = join(root, 'environments/diff-fixture/environment.yaml');
  writeFileSync(
    file,
    readFileSync(file, 'utf8').replace('KUBECONFIG_PATH', join(root, 'none.kubeconfig')).replace('NAMESPACE', 'ns'),
  );
  writeFileSync(
    join(root, 'environments/diff-fixture/values/app.yaml'),
    `secret:\n  password: ${password}\n  token: tok-ok\n`,
  );
  return root;
}

/** A cluster with nothing installed, whose API server answers as `onSecret` says for Secrets. */
export function fakeCluster(onSecret: (o: KubeObject) => DryRunResult, calls: string[] = []): Cluster {
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
