import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ensure } from '@kosmos/toolchain';
import { crdFiles } from '@kosmos/upstream';
import { stringify } from 'yaml';
import { type DaemonRecord, startDaemon, stopDaemon } from './daemon.ts';
import { get, type TlsFiles } from './http.ts';
import { kubeconfigYaml } from './kubeconfig.ts';
import { kubectl } from './kubectl.ts';
import { generatePki } from './pki.ts';
import { freePorts } from './ports.ts';
import { stagesYaml } from './stages.ts';
import {
  CLUSTER_CIDR,
  DEFAULT_NODES,
  KUBERNETES_SERVICE_IP,
  KWOK_ANNOTATION,
  nodeObject,
  SERVICE_CIDR,
  type SimNode,
} from './topology.ts';
import { waitFor } from './wait.ts';

export interface ClusterInfo {
  kubeconfig: string;
  server: string;
  kubeVersion: string;
  kubectl: string;
  daemons: DaemonRecord[];
}

export interface ClusterOptions {
  dir: string;
  nodes?: readonly SimNode[];
  log: (line: string) => void;
  timeoutMs?: number;
}

const ISSUER = 'https://kubernetes.default.svc.cluster.local';

/**
 * Starts etcd, kube-apiserver, controller-manager, scheduler and kwok on loopback, registers the
 * simulated nodes and the upstream CRDs, and returns once nodes are Ready and pods can be
 * created. Every start is fresh: the cluster's state is discarded by `down`.
 */
export async function startCluster(o: ClusterOptions): Promise<ClusterInfo> {
  const timeoutMs = o.timeoutMs ?? 120_000;
  const dir = o.dir;
  await rm(dir, { recursive: true, force: true });
  const pkiDir = join(dir, 'pki');
  const logs = join(dir, 'logs');
  await Promise.all([
    mkdir(pkiDir, { recursive: true }),
    mkdir(logs, { recursive: true }),
    mkdir(join(dir, 'etcd'), { recursive: true }),
  ]);

  const tools: Record<string, string> = {};
  for (const t of ['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kwok', 'kubectl'] as const) {
    tools[t] = await ensure(t, { log: o.log });
  }
  const bin = (t: string) => tools[t] as string;

  const [etcdPort, peerPort, apiPort, kcmPort, schedPort] = (await freePorts(5)) as [
    number,
    number,
    number,
    number,
    number,
  ];
  const firstNodeIp = (o.nodes ?? DEFAULT_NODES)[0]?.ip ?? '10.0.0.11';
  const pki = await generatePki({
    dnsNames: [
      'localhost',
      'kubernetes',
      'kubernetes.default',
      'kubernetes.default.svc',
      'kubernetes.default.svc.cluster.local',
    ],
    ips: ['127.0.0.1', KUBERNETES_SERVICE_IP, firstNodeIp],
  });
  const f = (n: string) => join(pkiDir, n);
  await Promise.all([
    writeFile(f('ca.crt'), pki.ca.cert),
    writeFile(f('ca.key'), pki.ca.key, { mode: 0o600 }),
    writeFile(f('apiserver.crt'), pki.apiserver.cert),
    writeFile(f('apiserver.key'), pki.apiserver.key, { mode: 0o600 }),
    writeFile(f('admin.crt'), pki.admin.cert),
    writeFile(f('admin.key'), pki.admin.key, { mode: 0o600 }),
    writeFile(f('sa.key'), pki.serviceAccount.key, { mode: 0o600 }),
    writeFile(f('sa.pub'), pki.serviceAccount.pub),
  ]);
  const server = `https://127.0.0.1:${apiPort}`;
  const kubeconfig = join(dir, 'kubeconfig');
  await writeFile(
    kubeconfig,
    kubeconfigYaml({ server, caFile: f('ca.crt'), certFile: f('admin.crt'), keyFile: f('admin.key') }),
    { mode: 0o600 },
  );
  const tls: TlsFiles = { ca: pki.ca.cert, cert: pki.admin.cert, key: pki.admin.key };

  const daemons: DaemonRecord[] = [];
  const start = (name: string, tool: string, args: string[]) => {
    const d = startDaemon({ name, bin: bin(tool), args, log: join(logs, `${name}.log`), cwd: dir });
    daemons.push(d);
    return d;
  };

  try {
    o.log('starting etcd');
    const etcd = start('etcd', 'etcd', [
      '--name=kosmos',
      `--data-dir=${join(dir, 'etcd')}`,
      `--listen-client-urls=http://127.0.0.1:${etcdPort}`,
      `--advertise-client-urls=http://127.0.0.1:${etcdPort}`,
      `--listen-peer-urls=http://127.0.0.1:${peerPort}`,
      `--initial-advertise-peer-urls=http://127.0.0.1:${peerPort}`,
      `--initial-cluster=kosmos=http://127.0.0.1:${peerPort}`,
      // A throwaway cluster: durability is not worth the fsync latency on a busy 2-core box.
      '--unsafe-no-fsync',
      '--log-level=warn',
    ]);
    await waitFor(
      'etcd /health',
      async () => (await get(`http://127.0.0.1:${etcdPort}/health`)).body.includes('true'),
      {
        timeoutMs,
        daemon: etcd,
      },
    );

    o.log('starting kube-apiserver');
    const api = start('kube-apiserver', 'kube-apiserver', [
      `--etcd-servers=http://127.0.0.1:${etcdPort}`,
      '--bind-address=127.0.0.1',
      `--secure-port=${apiPort}`,
      `--advertise-address=${firstNodeIp}`,
      `--tls-cert-file=${f('apiserver.crt')}`,
      `--tls-private-key-file=${f('apiserver.key')}`,
      `--client-ca-file=${f('ca.crt')}`,
      `--service-account-key-file=${f('sa.pub')}`,
      `--service-account-signing-key-file=${f('sa.key')}`,
      `--service-account-issuer=${ISSUER}`,
      `--api-audiences=${ISSUER}`,
      `--service-cluster-ip-range=${SERVICE_CIDR}`,
      '--authorization-mode=Node,RBAC',
      '--allow-privileged=true',
      '--enable-admission-plugins=NodeRestriction',
      '--profiling=false',
    ]);
    await waitFor('kube-apiserver /readyz', async () => (await get(`${server}/readyz`, tls)).status === 200, {
      timeoutMs,
      daemon: api,
    });
    const version = JSON.parse((await get(`${server}/version`, tls)).body) as { gitVersion: string };

    o.log('starting controller-manager, scheduler and kwok');
    const kc = [
      `--kubeconfig=${kubeconfig}`,
      `--authentication-kubeconfig=${kubeconfig}`,
      `--authorization-kubeconfig=${kubeconfig}`,
    ];
    start('kube-controller-manager', 'kube-controller-manager', [
      ...kc,
      '--bind-address=127.0.0.1',
      `--secure-port=${kcmPort}`,
      '--leader-elect=false',
      `--service-account-private-key-file=${f('sa.key')}`,
      `--root-ca-file=${f('ca.crt')}`,
      '--use-service-account-credentials=true',
      `--cluster-cidr=${CLUSTER_CIDR}`,
      `--service-cluster-ip-range=${SERVICE_CIDR}`,
      '--allocate-node-cidrs=false',
      '--kube-api-qps=200',
      '--kube-api-burst=400',
    ]);
    start('kube-scheduler', 'kube-scheduler', [
      ...kc,
      '--bind-address=127.0.0.1',
      `--secure-port=${schedPort}`,
      '--leader-elect=false',
    ]);
    const stages = join(dir, 'kwok-stages.yaml');
    await writeFile(stages, stagesYaml());
    start('kwok', 'kwok', [
      `--kubeconfig=${kubeconfig}`,
      `--config=${stages}`,
      '--manage-all-nodes=false',
      `--manage-nodes-with-annotation-selector=${KWOK_ANNOTATION}=fake`,
      '--node-lease-duration-seconds=40',
      `--cidr=${CLUSTER_CIDR}`,
    ]);

    const k = (args: string[], input?: string) => kubectl(bin('kubectl'), kubeconfig, args, input);
    o.log('registering simulated nodes and upstream CRDs');
    const nodes = (o.nodes ?? DEFAULT_NODES).map((n) => nodeObject(n, `${version.gitVersion}+k3s1`));
    await k(['create', '-f', '-'], nodes.map((n) => stringify(n)).join('---\n'));
    const crds = await crdFiles();
    await k(['apply', '--server-side', '--field-manager=kosmos-testkit', ...crds.flatMap((c) => ['-f', c])]);

    const wait = (what: string, args: string[]) =>
      waitFor(
        what,
        async () => {
          await k(args);
          return true;
        },
        { timeoutMs, daemon: api, intervalMs: 500 },
      );
    await wait('CRDs to be established', ['wait', '--for=condition=Established', 'crd', '--all', '--timeout=30s']);
    await wait('nodes to be Ready', ['wait', '--for=condition=Ready', 'node', '--all', '--timeout=30s']);
    // Pods are refused until the controller-manager has created the namespace's ServiceAccount.
    await wait('the default ServiceAccount', ['get', 'serviceaccount', 'default', '-n', 'default']);
    return { kubeconfig, server, kubeVersion: version.gitVersion, kubectl: bin('kubectl'), daemons };
  } catch (e) {
    await Promise.all(daemons.map((d) => stopDaemon(d)));
    throw e;
  }
}
