import { lint } from '@kosmos/helm';
import type { KubeObject } from '@kosmos/objects';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildDeps, chartDir, envs, envValues, find, type Json, ofKind, renderer, schemaError } from './helpers.ts';

const render = renderer('platform', 'kube-system');
const namespaces = ['kosmos-core', 'kosmos-db', 'kosmos-ingress', 'kosmos-observability'];
/** Node-level agents (host paths, host network): Pod Security privileged, one agent each. */
const privileged = ['kosmos-logs', 'kosmos-node-exporter'];

let defaults: KubeObject[];
const byEnv: Record<string, KubeObject[]> = {};

beforeAll(async () => {
  await buildDeps('platform');
  defaults = await render();
  for (const env of envs) byEnv[env] = await render({ env });
}, 120_000);

/** Policies of one namespace by name. */
const policies = (objs: KubeObject[], ns: string) =>
  ofKind(objs, 'NetworkPolicy').filter((p) => p.metadata.namespace === ns);
const policy = (objs: KubeObject[], ns: string, name: string) => find(objs, 'NetworkPolicy', name, ns);

describe('platform: helm lint --strict', () => {
  it.each(envs)('passes with environments/%s values', async (env) => {
    const r = await lint({ chart: chartDir('platform'), valuesFiles: [envValues(env, 'platform')], strict: true });
    expect(r.ok, r.output).toBe(true);
  });
  it('passes with the chart defaults', async () => {
    const r = await lint({ chart: chartDir('platform'), strict: true });
    expect(r.ok, r.output).toBe(true);
  });
});

describe('platform: namespaces', () => {
  it('creates the four namespaces with the seed labels and Pod Security restricted', () => {
    expect(
      ofKind(defaults, 'Namespace')
        .map((n) => n.metadata.name)
        .sort(),
    ).toEqual([...namespaces, ...privileged].sort());
    const tiers: Record<string, string> = {
      'kosmos-core': 'application',
      'kosmos-db': 'data',
      'kosmos-observability': 'monitoring',
      'kosmos-ingress': 'edge',
    };
    for (const ns of namespaces) {
      const l = find(defaults, 'Namespace', ns).metadata.labels;
      expect(l['app.kubernetes.io/part-of']).toBe('kosmos');
      expect(l.tier).toBe(tiers[ns]);
      expect(l.name).toBe(ns);
      expect(l['pod-security.kubernetes.io/enforce']).toBe('restricted');
      expect(l['pod-security.kubernetes.io/audit']).toBe('restricted');
      expect(l['pod-security.kubernetes.io/warn']).toBe('restricted');
    }
  });

  it('node-exporter and the log shipper get namespaces of their own at Pod Security privileged, with a small quota', () => {
    for (const env of envs) {
      for (const ns of privileged) {
        const l = find(byEnv[env] ?? [], 'Namespace', ns).metadata.labels;
        expect(l['pod-security.kubernetes.io/enforce'], `${env} ${ns}`).toBe('privileged');
        expect(l['app.kubernetes.io/part-of']).toBe('kosmos');
        expect(find(byEnv[env] ?? [], 'ResourceQuota', `${ns}-quota`, ns).spec.hard).toEqual({
          'limits.cpu': '1',
          'limits.memory': '512Mi',
          pods: '4',
        });
        // still default-deny with DNS, like every platform namespace
        policy(byEnv[env] ?? [], ns, 'default-deny');
      }
    }
  });

  it('pins the Pod Security version to the cluster minor in staging and production', () => {
    for (const env of envs) {
      const label = find(byEnv[env] ?? [], 'Namespace', 'kosmos-core').metadata.labels[
        'pod-security.kubernetes.io/enforce-version'
      ];
      expect(label).toBe(env === 'dev' ? 'latest' : 'v1.36');
    }
  });

  it('carries the environment label of each environment', () => {
    for (const env of envs) {
      expect(find(byEnv[env] ?? [], 'Namespace', 'kosmos-core').metadata.labels.environment).toBe(env);
    }
    expect(find(defaults, 'Namespace', 'kosmos-core').metadata.labels.environment).toBe('production');
  });

  it('keeps the namespaces (and their PVCs) when the release is uninstalled', async () => {
    for (const ns of namespaces)
      expect(find(defaults, 'Namespace', ns).metadata.annotations['helm.sh/resource-policy']).toBe('keep');
    const objs = await render({ set: { 'namespaceDefaults.keepOnUninstall': false } });
    expect(find(objs, 'Namespace', 'kosmos-db').metadata.annotations).toBeUndefined();
  });

  it('a namespace can be relaxed on its own', async () => {
    const objs = await render({ set: { 'namespaces.kosmos-observability.podSecurity.enforce': 'baseline' } });
    expect(find(objs, 'Namespace', 'kosmos-observability').metadata.labels['pod-security.kubernetes.io/enforce']).toBe(
      'baseline',
    );
    expect(find(objs, 'Namespace', 'kosmos-core').metadata.labels['pod-security.kubernetes.io/enforce']).toBe(
      'restricted',
    );
  });
});

describe('platform: quotas and limits', () => {
  it("kosmos-core quota, the seeds' own: requests 6 CPU / 12Gi, limits 8 / 16Gi, 50 pods, 20 services, 10 PVCs", () => {
    const q = find(defaults, 'ResourceQuota', 'kosmos-core-quota', 'kosmos-core');
    expect(q.spec.hard).toEqual({
      'requests.cpu': '6',
      'requests.memory': '12Gi',
      'limits.cpu': '8',
      'limits.memory': '16Gi',
      pods: '50',
      services: '20',
      persistentvolumeclaims: '10',
    });
  });

  it('kosmos-db 4 CPU / 12Gi, observability 3 / 5Gi (operator and reloaders), ingress 1 / 2Gi', () => {
    expect(find(defaults, 'ResourceQuota', 'kosmos-db-quota', 'kosmos-db').spec.hard).toEqual({
      'limits.cpu': '4',
      'limits.memory': '12Gi',
    });
    expect(find(defaults, 'ResourceQuota', 'kosmos-observability-quota', 'kosmos-observability').spec.hard).toEqual({
      'limits.cpu': '3',
      'limits.memory': '5Gi',
    });
    expect(find(defaults, 'ResourceQuota', 'kosmos-ingress-quota', 'kosmos-ingress').spec.hard).toEqual({
      'limits.cpu': '1',
      'limits.memory': '2Gi',
    });
  });

  it('every namespace has the LimitRange: default 500m/512Mi, request 100m/128Mi, max 2/4Gi, min 50m/64Mi', () => {
    for (const env of ['default', ...envs]) {
      const objs = env === 'default' ? defaults : (byEnv[env] ?? []);
      for (const ns of namespaces) {
        const lr = find(objs, 'LimitRange', 'kosmos-default-limits', ns);
        expect(lr.spec.limits).toEqual([
          {
            type: 'Container',
            default: { cpu: '500m', memory: '512Mi' },
            defaultRequest: { cpu: '100m', memory: '128Mi' },
            max: { cpu: '2', memory: '4Gi' },
            min: { cpu: '50m', memory: '64Mi' },
          },
        ]);
      }
    }
  });
});

describe('platform: storage classes', () => {
  it('local-path is the default (Delete), local-path-retain keeps volumes (Retain); both rancher.io/local-path, WaitForFirstConsumer', () => {
    const lp = find(defaults, 'StorageClass', 'local-path');
    expect(lp.metadata.annotations['storageclass.kubernetes.io/is-default-class']).toBe('true');
    expect(lp).toMatchObject({
      provisioner: 'rancher.io/local-path',
      reclaimPolicy: 'Delete',
      volumeBindingMode: 'WaitForFirstConsumer',
    });
    const retain = find(defaults, 'StorageClass', 'local-path-retain');
    expect(retain.metadata.annotations['storageclass.kubernetes.io/is-default-class']).toBe('false');
    expect(retain).toMatchObject({
      provisioner: 'rancher.io/local-path',
      reclaimPolicy: 'Retain',
      volumeBindingMode: 'WaitForFirstConsumer',
    });
  });

  it('on K3s (staging, production) local-path is left to K3s; local-path-retain is always ours', () => {
    for (const env of ['staging', 'production'] as const) {
      expect(ofKind(byEnv[env] ?? [], 'StorageClass').map((s) => s.metadata.name)).toEqual(['local-path-retain']);
    }
    expect(
      ofKind(byEnv.dev ?? [], 'StorageClass')
        .map((s) => s.metadata.name)
        .sort(),
    ).toEqual(['local-path', 'local-path-retain']);
  });
});

describe('platform: network policies', () => {
  it('every namespace is default-deny for ingress and egress, with DNS egress to kube-dns', () => {
    for (const ns of [...namespaces, ...privileged]) {
      const deny = policy(defaults, ns, 'default-deny');
      expect(deny.spec).toEqual({ podSelector: {}, policyTypes: ['Ingress', 'Egress'] });
      const dns = policy(defaults, ns, 'allow-dns-egress');
      expect(dns.spec.egress[0].to[0].namespaceSelector.matchLabels).toEqual({
        'kubernetes.io/metadata.name': 'kube-system',
      });
      expect(dns.spec.egress[0].ports).toEqual([
        { protocol: 'UDP', port: 53 },
        { protocol: 'TCP', port: 53 },
      ]);
    }
  });

  it('db isolation: only kosmos-core and db-access pods reach kosmos-db (not ingress or observability)', () => {
    const p = policy(defaults, 'kosmos-db', 'db-isolation');
    expect(p.spec.policyTypes).toEqual(['Ingress', 'Egress']);
    expect(p.spec.ingress).toEqual([
      {
        from: [
          { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kosmos-core' } } },
          { podSelector: { matchLabels: { 'db-access': 'true' } } },
        ],
      },
    ]);
    // no other policy opens kosmos-db ingress
    const openers = policies(defaults, 'kosmos-db').filter(
      (x) => x.spec.policyTypes.includes('Ingress') && (x.spec.ingress ?? []).length > 0,
    );
    expect(openers.map((x) => x.metadata.name)).toEqual(['db-isolation']);
  });

  it('Prometheus in kosmos-observability may scrape the agents on 8000', () => {
    const p = policy(defaults, 'kosmos-core', 'allow-prometheus-scrape');
    expect(p.spec.ingress).toEqual([
      {
        from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kosmos-observability' } } }],
        ports: [{ protocol: 'TCP', port: 8000 }],
      },
    ]);
  });

  it('ingress -> core: kosmos-core accepts 8000 from kosmos-ingress and kosmos-ingress may send there', () => {
    expect(policy(defaults, 'kosmos-core', 'allow-from-ingress').spec.ingress[0]).toEqual({
      from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kosmos-ingress' } } }],
      ports: [{ protocol: 'TCP', port: 8000 }],
    });
    expect(policy(defaults, 'kosmos-ingress', 'allow-to-core').spec.egress[0]).toEqual({
      to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kosmos-core' } } }],
      ports: [{ protocol: 'TCP', port: 8000 }],
    });
  });

  it('kosmos-observability is not open to every pod: own pods, then named clients by port', () => {
    const obs = policies(defaults, 'kosmos-observability').filter((x) => x.spec.policyTypes.includes('Ingress'));
    for (const p of obs) {
      for (const rule of p.spec.ingress ?? []) {
        // no rule admits everything: each has a from, and none of its peers is an empty namespace selector
        expect(rule.from, p.metadata.name).toBeDefined();
        for (const peer of rule.from as Json[]) {
          expect(peer.namespaceSelector, p.metadata.name).not.toEqual({});
          expect(peer.ipBlock, p.metadata.name).toBeUndefined();
        }
        // a rule from another namespace names its ports
        if ((rule.from as Json[]).some((f) => f.namespaceSelector)) expect(rule.ports, p.metadata.name).toBeDefined();
      }
    }
    expect(policy(defaults, 'kosmos-observability', 'allow-observability').spec.ingress).toEqual([
      { from: [{ podSelector: {} }] },
    ]);
    // Prometheus: only the Argo Rollouts controller (canary analysis), on 9090
    expect(policy(defaults, 'kosmos-observability', 'allow-rollouts-analysis').spec).toEqual({
      podSelector: { matchLabels: { 'app.kubernetes.io/name': 'prometheus' } },
      policyTypes: ['Ingress'],
      ingress: [
        {
          from: [
            {
              namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kosmos-core' } },
              podSelector: { matchLabels: { 'app.kubernetes.io/name': 'argo-rollouts' } },
            },
          ],
          ports: [{ protocol: 'TCP', port: 9090 }],
        },
      ],
    });
    // Alertmanager (9093) is reached by nothing outside the namespace
    const ports = obs.flatMap((p) =>
      ((p.spec.ingress ?? []) as Json[]).flatMap((r) => ((r.ports ?? []) as Json[]).map((x) => x.port as number)),
    );
    expect(ports).not.toContain(9093);
    expect(ports.sort((a, b) => a - b)).toEqual([3000, 3100, 4317, 4318, 9090]);
  });

  it('the log shipper reaches Loki and the API server only; Prometheus reaches node-exporter on the nodes', () => {
    const logs = policy(defaults, 'kosmos-logs', 'allow-log-shipper');
    expect(logs.spec.egress[0]).toEqual({
      to: [
        {
          namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kosmos-observability' } },
          podSelector: { matchLabels: { 'app.kubernetes.io/component': 'loki' } },
        },
      ],
      ports: [{ protocol: 'TCP', port: 3100 }],
    });
    const egress = policy(defaults, 'kosmos-observability', 'allow-observability').spec.egress as Json[];
    expect(egress[1]?.ports.map((p: Json) => p.port)).toEqual([443, 6443, 10250, 9100]);
  });

  it('rules are values: one can be removed, and policies can be switched off', async () => {
    const off = await render({ set: { 'networkPolicies.enabled': false } });
    expect(ofKind(off, 'NetworkPolicy')).toEqual([]);
    const noDeny = await render({ set: { 'networkPolicies.defaultDeny': false } });
    expect(ofKind(noDeny, 'NetworkPolicy').some((p) => p.metadata.name === 'default-deny')).toBe(false);
  });
});

describe('platform: developer access', () => {
  it('read-only ClusterRole (seeds/001) bound to the developers group', () => {
    const role = find(defaults, 'ClusterRole', 'kosmos-readonly');
    expect(role.rules).toEqual([
      { apiGroups: [''], resources: ['pods', 'services', 'endpoints', 'configmaps'], verbs: ['get', 'list', 'watch'] },
      {
        apiGroups: ['apps'],
        resources: ['deployments', 'replicasets', 'statefulsets'],
        verbs: ['get', 'list', 'watch'],
      },
    ]);
    const binding = find(defaults, 'ClusterRoleBinding', 'kosmos-readonly');
    expect(binding.subjects).toEqual([{ kind: 'Group', name: 'developers', apiGroup: 'rbac.authorization.k8s.io' }]);
    expect(binding.roleRef).toEqual({
      apiGroup: 'rbac.authorization.k8s.io',
      kind: 'ClusterRole',
      name: 'kosmos-readonly',
    });
  });

  it('the schema refuses a write verb in the developer role', async () => {
    const err = await schemaError(() => render({ set: { 'developerAccess.rules[0].verbs[0]': 'delete' } }));
    expect(err).toContain('/developerAccess/rules/0/verbs/0');
  });
});

describe('platform: values.schema.json', () => {
  it('rejects an unknown key, naming it', async () => {
    const err = await schemaError(() => render({ set: { 'namespaces.kosmos-core.quotas.hard.pods': 10 } }));
    expect(err).toContain('/namespaces/kosmos-core');
    expect(err).toContain("'quotas'");
    expect(await schemaError(() => render({ set: { storageclasses: 'x' } }))).toContain("'storageclasses' not allowed");
  });
  it('rejects a wrong type, naming the key', async () => {
    expect(await schemaError(() => render({ set: { 'networkPolicies.defaultDeny': 'yes' } }))).toContain(
      '/networkPolicies/defaultDeny',
    );
    expect(
      await schemaError(() => render({ set: { 'storageClasses.local-path-retain.reclaimPolicy': 'Keep' } })),
    ).toContain('/storageClasses/local-path-retain/reclaimPolicy');
  });
});

it('platform objects all carry the recommended labels', () => {
  for (const o of defaults as Json[]) {
    expect(o.metadata.labels['app.kubernetes.io/name'], `${o.kind}/${o.metadata.name}`).toBe('platform');
    expect(o.metadata.labels['app.kubernetes.io/part-of']).toBe('kosmos');
    expect(o.metadata.labels['helm.sh/chart']).toBe('platform-0.2.0');
  }
});
