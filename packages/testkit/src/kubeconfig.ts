import { stringify } from 'yaml';

export interface KubeconfigInput {
  server: string;
  caFile: string;
  certFile: string;
  keyFile: string;
  name?: string;
}

/** An admin kubeconfig that points at files (so rotating PKI never leaves stale inline data). */
export function kubeconfigYaml(i: KubeconfigInput): string {
  const name = i.name ?? 'kosmos-local';
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name, cluster: { server: i.server, 'certificate-authority': i.caFile } }],
    users: [{ name: `${name}-admin`, user: { 'client-certificate': i.certFile, 'client-key': i.keyFile } }],
    contexts: [{ name, context: { cluster: name, user: `${name}-admin` } }],
    'current-context': name,
  });
}
