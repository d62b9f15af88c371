/**
 * upgrade.sh against the shared local cluster. The cluster's own nodes are left alone: the test makes
 * three simulated nodes of its own (kwok brings them Ready), tainted so only its pods land there, and
 * an inventory naming them (one server, two agents). The real kubectl cordons, drains and uncordons
 * them; the K3s install step is the UPGRADE_INSTALL_HOOK, replaced by a recorder that notes what the
 * cluster looked like at that moment and then plays the upgraded kubelet (restart + new version).
 */
import { chmodSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadScripts, loadTemplates, parseInventory, render } from '@kosmos/bootstrap';
import { nodeObject } from '@kosmos/testkit';
import { localCluster } from '@kosmos/testkit/vitest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run, SCRIPTS, tempDir, writeTree } from './helpers.ts';

const NODES = ['upg-test-1', 'upg-test-2', 'upg-test-3'] as const;
const ROLE: Record<string, 'server' | 'agent'> = {
  'upg-test-1': 'agent',
  'upg-test-2': 'server',
  'upg-test-3': 'agent',
};
const NS = 'kosmos-upgrade-test';
const TAINT = 'kosmos.test/upgrade';
const tmp = tempDir('upgrade');

const { kubeconfig, kubectl, kubeVersion } = localCluster();
const base = kubeVersion.replace(/^v/, '').split('+')[0] ?? '';
const [maj, min, patch] = base.split('.').map(Number) as [number, number, number];
const FROM = `v${maj}.${min}.${patch}+k3s1`;
const TO = `v${maj}.${min}.${patch + 1}+k3s1`;
const NEXT_MINOR = `v${maj}.${min + 1}.0+k3s1`;

function k(...args: string[]) {
  const r = run(kubectl, ['--kubeconfig', kubeconfig, ...args]);
  return r;
}
function kOk(...args: string[]): string {
  const r = k(...args);
  if (r.status !== 0) throw new Error(`kubectl ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}
const field = (node: string, path: string) => kOk('get', 'node', node, '-o', `jsonpath={${path}}`).trim();

async function until(what: string, ok: () => boolean, seconds = 60): Promise<void> {
  for (let i = 0; i < seconds * 2; i++) {
    if (ok()) return;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** The test's own nodes, as the testkit builds its nodes, tainted so that only this test's pods land there. */
const nodeManifest = (name: (typeof NODES)[number], i: number) =>
  nodeObject(
    {
      name,
      zone: 'zone-a',
      ip: `192.0.2.${21 + i}`,
      cpu: '2',
      memory: '4Gi',
      pods: '20',
      role: ROLE[name],
      labels: { 'kosmos.test/upgrade': 'true' },
      taints: [{ key: TAINT, value: 'true', effect: 'NoSchedule' }],
    },
    FROM,
  );

const workload = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'upg-probe', namespace: NS },
  spec: {
    replicas: 2,
    selector: { matchLabels: { app: 'upg-probe' } },
    template: {
      metadata: { labels: { app: 'upg-probe' } },
      spec: {
        tolerations: [{ key: TAINT, operator: 'Exists', effect: 'NoSchedule' }],
        affinity: {
          nodeAffinity: {
            requiredDuringSchedulingIgnoredDuringExecution: {
              nodeSelectorTerms: [
                { matchExpressions: [{ key: 'kosmos.test/upgrade', operator: 'In', values: ['true'] }] },
              ],
            },
          },
        },
        securityContext: { runAsNonRoot: true, runAsUser: 65532, seccompProfile: { type: 'RuntimeDefault' } },
        containers: [
          {
            name: 'c',
            image: 'registry.invalid/pause:1',
            securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
          },
        ],
      },
    },
  },
};

// The recorder: logs role/node/version, whether this node and the others are cordoned, and how many
// pods are still on the node; fails for FAIL_NODE; else plays the kubelet: NotReady at the new version,
// then kwok brings it back Ready.
const hook = join(tmp, 'install-hook.sh');
const snapHook = join(tmp, 'snapshot-hook.sh');
const record = join(tmp, 'record');
writeFileSync(
  hook,
  `#!/bin/sh
set -eu
role=$1 node=$2 addr=$3 version=$4
k() { "$KUBECTL" --kubeconfig "$KCFG" "$@"; }
cordoned=$(k get nodes -l kosmos.test/upgrade=true -o 'jsonpath={range .items[?(@.spec.unschedulable==true)]}{.metadata.name}{","}{end}')
pods=$(k get pods -n ${NS} --field-selector spec.nodeName="$node" -o name | wc -l)
echo "install $role $node $addr $version cordoned=$cordoned pods=$pods" >> "$RECORD"
if [ "$node" = "\${FAIL_NODE:-}" ]; then echo "simulated install failure on $node" >&2; exit 3; fi
now=$(date -u +%Y-%m-%dT%H:%M:%SZ)
k patch node "$node" --subresource=status --type=strategic -p "{\\"status\\":{\\"nodeInfo\\":{\\"kubeletVersion\\":\\"$version\\"},\\"conditions\\":[{\\"type\\":\\"Ready\\",\\"status\\":\\"False\\",\\"reason\\":\\"KubeletRestarting\\",\\"lastHeartbeatTime\\":\\"$now\\",\\"lastTransitionTime\\":\\"$now\\"}]}}" >/dev/null
`,
);
writeFileSync(snapHook, `#!/bin/sh\necho "snapshot $1 $2" >> "$RECORD"\n`);
chmodSync(hook, 0o755);
chmodSync(snapHook, 0o755);

let plan = '';

/** Runs upgrade.sh against the test's plan with recorder hooks; `timeouts` are its timing flags. */
function upgrade(
  args: string[],
  extraEnv: Record<string, string> = {},
  timeouts = ['--ready-timeout', '60', '--drain-timeout', '60s'],
) {
  return run(join(SCRIPTS, 'upgrade.sh'), ['--plan', plan, '--kubeconfig', kubeconfig, ...timeouts, ...args], {
    env: {
      ...process.env,
      KUBECTL: kubectl,
      KCFG: kubeconfig,
      RECORD: record,
      UPGRADE_INSTALL_HOOK: hook,
      UPGRADE_SNAPSHOT_HOOK: snapHook,
      ...extraEnv,
    },
  });
}
const recorded = () => readFileSync(record, 'utf8').trim().split('\n');

describe('upgrade.sh on simulated nodes of the local cluster', () => {
  beforeAll(async () => {
    // An inventory naming the test nodes, listed agent-first: the plan must still put the server first.
    const inv = parseInventory(
      `cluster:
  name: upg-test
  k3sVersion: ${TO}
  apiDnsName: upg-test.example.com
  clusterCidr: 10.42.0.0/16
  serviceCidr: 10.43.0.0/16
  clusterDns: 10.43.0.10
  tokenSource:
    file: /etc/kosmos/k3s-token
snapshots:
  schedule: "0 3 * * *"
  retention: 5
  backup:
    onCalendar: daily
    dir: /var/backups/kosmos/etcd
    keep: 5
nodes:
${NODES.map((n, i) => `  - name: ${n}\n    address: 192.0.2.${21 + i}\n    role: ${ROLE[n]}\n    interface: eth0\n    zone: zone-a\n`).join('')}`,
      'upgrade-test-inventory.yaml',
    );
    const files = render({
      inventory: inv,
      templates: await loadTemplates(),
      scripts: await loadScripts(),
      env: 'upgrade-test',
      source: 'upgrade-test-inventory.yaml',
    });
    writeTree(join(tmp, 'out'), files);
    plan = join(tmp, 'out/cluster/upgrade-plan.tsv');

    for (const n of NODES) k('delete', 'node', n, '--ignore-not-found', '--wait=false');
    const manifests = { apiVersion: 'v1', kind: 'List', items: NODES.map(nodeManifest) };
    writeFileSync(join(tmp, 'nodes.json'), JSON.stringify(manifests));
    kOk('create', '-f', join(tmp, 'nodes.json'));
    await until('test nodes Ready', () =>
      NODES.every((n) => field(n, '.status.conditions[?(@.type=="Ready")].status') === 'True'),
    );
    expect(NODES.map((n) => field(n, '.status.nodeInfo.kubeletVersion'))).toEqual([FROM, FROM, FROM]);

    k('create', 'namespace', NS);
    writeFileSync(join(tmp, 'workload.json'), JSON.stringify(workload));
    kOk('apply', '-f', join(tmp, 'workload.json'));
    await until(
      'probe pods running',
      () =>
        kOk('get', 'pods', '-n', NS, '--field-selector', 'status.phase=Running', '-o', 'name')
          .trim()
          .split('\n')
          .filter(Boolean).length === 2,
    );
  });

  afterAll(() => {
    k('delete', 'namespace', NS, '--ignore-not-found', '--wait=false');
    for (const n of NODES) k('delete', 'node', n, '--ignore-not-found', '--wait=false');
    rmSync(tmp, { recursive: true, force: true });
  });

  it('--dry-run prints the plan, servers first, and changes nothing', () => {
    const r = upgrade(['--dry-run']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/1\. server upg-test-2 .*\n\s+2\. agent upg-test-1 .*\n\s+3\. agent upg-test-3 /);
    expect(NODES.map((n) => field(n, '.spec.unschedulable'))).toEqual(['', '', '']);
  });

  it('refuses a version that skips a minor', () => {
    const r = upgrade(['--version', `v${maj}.${min + 2}.0+k3s1`]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('skips a minor version');
  });

  it('snapshots first, then one node at a time: cordon, drain, upgrade, Ready at the new version, uncordon', () => {
    writeFileSync(record, '');
    const r = upgrade([]);
    expect(r.status, r.stderr).toBe(0);
    const lines = recorded();
    expect(lines[0]).toBe('snapshot upg-test-2 192.0.2.22');
    // Order: the server, then the agents; at each install only that node is cordoned and it holds no pods.
    expect(lines.slice(1)).toEqual([
      `install server upg-test-2 192.0.2.22 ${TO} cordoned=upg-test-2, pods=0`,
      `install agent upg-test-1 192.0.2.21 ${TO} cordoned=upg-test-1, pods=0`,
      `install agent upg-test-3 192.0.2.23 ${TO} cordoned=upg-test-3, pods=0`,
    ]);
    // Per node, the steps in order.
    const steps = r.stderr
      .split('\n')
      .filter((l) => /: (server|agent) upg-test-\d: /.test(l))
      .map((l) => l.replace(/^upgrade\.sh: /, ''));
    const expected = ['upg-test-2', 'upg-test-1', 'upg-test-3'].flatMap((n) => {
      const role = ROLE[n];
      return [
        `${role} ${n}: cordon`,
        `${role} ${n}: drain`,
        `${role} ${n}: upgrade to ${TO}`,
        `${role} ${n}: wait for Ready at ${TO}`,
        `${role} ${n}: uncordon`,
      ];
    });
    expect(steps).toEqual(expected);
    expect(NODES.map((n) => field(n, '.spec.unschedulable'))).toEqual(['', '', '']);
    expect(NODES.map((n) => field(n, '.status.nodeInfo.kubeletVersion'))).toEqual([TO, TO, TO]);
    expect(NODES.map((n) => field(n, '.status.conditions[?(@.type=="Ready")].status'))).toEqual([
      'True',
      'True',
      'True',
    ]);
  });

  it('a failing install stops the run at that node, named and left cordoned; nodes after it are untouched', () => {
    writeFileSync(record, '');
    const r = upgrade(['--version', NEXT_MINOR], { FAIL_NODE: 'upg-test-1' });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('upgrade stopped at agent upg-test-1: install hook failed. upg-test-1 is left cordoned');
    expect(recorded().map((l) => l.split(' ').slice(0, 3).join(' '))).toEqual([
      'snapshot upg-test-2 192.0.2.22',
      'install server upg-test-2',
      'install agent upg-test-1',
    ]);
    expect(field('upg-test-1', '.spec.unschedulable')).toBe('true');
    expect(field('upg-test-3', '.spec.unschedulable')).toBe('');
    expect(field('upg-test-3', '.status.nodeInfo.kubeletVersion')).toBe(TO);
  });

  it('a re-run after the fix skips the nodes already done and finishes', () => {
    writeFileSync(record, '');
    const r = upgrade(['--version', NEXT_MINOR]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain(`server upg-test-2: already at ${NEXT_MINOR}, skipped`);
    expect(
      recorded()
        .slice(1)
        .map((l) => l.split(' ').slice(0, 3).join(' ')),
    ).toEqual(['install agent upg-test-1', 'install agent upg-test-3']);
    expect(NODES.map((n) => field(n, '.spec.unschedulable'))).toEqual(['', '', '']);
  });

  it('drain evicts (PDBs hold): a blocking PDB times the drain out and stops the run with that node cordoned', () => {
    const pdb = {
      apiVersion: 'policy/v1',
      kind: 'PodDisruptionBudget',
      metadata: { name: 'upg-probe', namespace: NS },
      spec: { minAvailable: 2, selector: { matchLabels: { app: 'upg-probe' } } },
    };
    writeFileSync(join(tmp, 'pdb.json'), JSON.stringify(pdb));
    kOk('apply', '-f', join(tmp, 'pdb.json'));
    writeFileSync(record, '');
    const r = upgrade(['--version', `v${maj}.${min + 1}.1+k3s1`], {}, ['--drain-timeout', '5s']);
    expect(r.status).toBe(1);
    const m =
      /upgrade stopped at (server|agent) (upg-test-\d): drain failed or timed out after 5s \(a PodDisruptionBudget may block it\)\. \2 is left cordoned/.exec(
        r.stderr,
      );
    expect(m, r.stderr).not.toBeNull();
    const stuck = m?.[2] ?? '';
    expect(field(stuck, '.spec.unschedulable')).toBe('true');
    expect(kOk('get', 'pods', '-n', NS, '--field-selector', `spec.nodeName=${stuck}`, '-o', 'name').trim()).not.toBe(
      '',
    );
    expect(recorded().some((l) => l.includes(`install ${ROLE[stuck]} ${stuck} `))).toBe(false);
  });
});
