import { type Environment, resolveTargets, type Targets } from '@kosmos/environment';
import type { KubeObject, ObjectRef } from '@kosmos/objects';
import { ApiError, type ClientOptions, KubeClient } from './client.ts';
import { type ApiResource, Discovery, resourcePath } from './discovery.ts';

/** The field manager kosmos applies with when nothing else owns an object. */
export const FIELD_MANAGER = 'kosmos';

/** Why a dry run could not produce an object. */
export type DryRunProblem =
  | { kind: 'no-crd'; apiVersion: string; objectKind: string; message: string }
  | { kind: 'no-namespace'; namespace: string; message: string }
  | { kind: 'rejected'; message: string };

export type DryRunResult = { ok: true; object: KubeObject } | { ok: false; problem: DryRunProblem };

/**
 * A cluster: one client (one agent, one bounded pool) and its discovery cache. Everything the
 * verbs ask a cluster goes through here.
 */
export class Cluster {
  readonly discovery: Discovery;
  constructor(readonly client: KubeClient) {
    this.discovery = new Discovery(client);
  }

  static async forEnvironment(env: Environment, o: ClientOptions = {}): Promise<Cluster> {
    return new Cluster(await KubeClient.forEnvironment(env, o));
  }

  static async forTargets(t: Targets, o: ClientOptions = {}): Promise<Cluster> {
    return new Cluster(await KubeClient.forTargets(t, o));
  }

  static async fromKubeconfig(file: string, context?: string, o: ClientOptions = {}): Promise<Cluster> {
    return new Cluster(await KubeClient.fromKubeconfig(file, context, o));
  }

  /** Resource of a kind, or undefined when the server has no such kind (CRD missing). */
  resource(apiVersion: string, kind: string): Promise<ApiResource | undefined> {
    return this.discovery.resolve(apiVersion, kind);
  }

  /** Gives a namespaced object without a namespace the default one (as helm does with the release's). */
  async withNamespace(o: KubeObject, namespace: string): Promise<KubeObject> {
    const r = await this.resource(o.apiVersion, o.kind);
    if (!r) return o;
    if (r.namespaced && !o.metadata.namespace) return { ...o, metadata: { ...o.metadata, namespace } };
    if (!r.namespaced && o.metadata.namespace) {
      const { namespace: _drop, ...metadata } = o.metadata;
      return { ...o, metadata: metadata as KubeObject['metadata'] };
    }
    return o;
  }

  /** The live object, or undefined when it (or its kind) does not exist. */
  async get(ref: ObjectRef): Promise<KubeObject | undefined> {
    const r = await this.resource(ref.apiVersion, ref.kind);
    if (!r) return undefined;
    try {
      return await this.client.request<KubeObject>('GET', resourcePath(r, ref.namespace, ref.name));
    } catch (e) {
      if (e instanceof ApiError && e.status === 404) return undefined;
      throw e;
    }
  }

  /** Objects of one kind, optionally in one namespace and matching a label selector. */
  async list(
    apiVersion: string,
    kind: string,
    o: { namespace?: string; labelSelector?: string } = {},
  ): Promise<KubeObject[]> {
    const r = await this.resource(apiVersion, kind);
    if (!r) return [];
    const res = await this.client.request<{ items: KubeObject[] }>('GET', resourcePath(r, o.namespace), {
      query: { labelSelector: o.labelSelector },
    });
    return res.items.map((i) => ({ ...i, apiVersion, kind }));
  }

  /**
   * Server-side apply as a dry run (`dryRun=All`, `force=true`): the object as the server would
   * store it, with admission, defaulting and merging with the live object done, nothing written.
   * A missing CRD or namespace is a problem to report, not an exception.
   */
  async applyDryRun(o: KubeObject, fieldManager = FIELD_MANAGER): Promise<DryRunResult> {
    const r = await this.resource(o.apiVersion, o.kind);
    if (!r) {
      return {
        ok: false,
        problem: {
          kind: 'no-crd',
          apiVersion: o.apiVersion,
          objectKind: o.kind,
          message: `CRD for ${o.apiVersion} ${o.kind} not installed`,
        },
      };
    }
    try {
      const object = await this.client.request<KubeObject>(
        'PATCH',
        resourcePath(r, o.metadata.namespace, o.metadata.name),
        {
          body: o,
          contentType: 'application/apply-patch+yaml',
          query: { dryRun: 'All', fieldManager, force: 'true' },
        },
      );
      return { ok: true, object };
    } catch (e) {
      if (!(e instanceof ApiError)) throw e;
      if (e.status === 404 && e.details.kind === 'namespaces') {
        const ns = e.details.name ?? o.metadata.namespace ?? '';
        return {
          ok: false,
          problem: { kind: 'no-namespace', namespace: ns, message: `namespace ${ns} does not exist` },
        };
      }
      return { ok: false, problem: { kind: 'rejected', message: e.serverMessage } };
    }
  }

  close(): void {
    this.client.close();
  }
}

export interface WithClusterOptions extends ClientOptions {
  /** Where the cluster is (default: `resolveTargets(env)`), for callers that resolved it already. */
  targets?: Targets;
  /** How to connect (default `Cluster.forTargets`); unit tests pass their own. */
  connect?: (t: Targets) => Promise<Cluster>;
}

/**
 * The cluster lifecycle every verb uses: connect to the environment's cluster, ping it once (a
 * cluster that is down fails here, as one KubeConnectionError line naming the context and
 * server, before anything is rendered), run `fn`, and close the kept-alive sockets whatever
 * happens, so the process can exit.
 */
export async function withCluster<T>(
  env: Environment,
  fn: (cluster: Cluster) => Promise<T>,
  o: WithClusterOptions = {},
): Promise<T> {
  const targets = o.targets ?? (await resolveTargets(env, o.stateDir ? { stateDir: o.stateDir } : {}));
  const cluster = await (o.connect ?? ((t) => Cluster.forTargets(t, o)))(targets);
  try {
    await cluster.client.ping();
    return await fn(cluster);
  } finally {
    cluster.close();
  }
}
