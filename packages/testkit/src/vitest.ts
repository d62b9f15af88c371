import { inject } from 'vitest';

/** What the cluster project's global setup hands every test. */
export interface LocalEnv {
  /** Admin kubeconfig of the local kube-apiserver. */
  kubeconfig: string;
  /** `host:port` of the local OCI registry (plain HTTP, loopback). */
  registry: string;
  /** Absolute path of the kubectl matching the server. */
  kubectl: string;
  /** Absolute path of helm. */
  helm: string;
  /** Kubernetes version the server reports, e.g. v1.36.3. */
  kubeVersion: string;
}

declare module 'vitest' {
  export interface ProvidedContext {
    kosmos: LocalEnv;
  }
}

/** The local cluster and registry; only in `*.cluster.test.ts` files (the `cluster` project). */
export function localCluster(): LocalEnv {
  const env = inject('kosmos');
  if (!env) throw new Error('no local cluster: name the test file *.cluster.test.ts so it runs in the cluster project');
  return env;
}
