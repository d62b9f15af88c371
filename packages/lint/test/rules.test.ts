import { describe, expect, it } from 'vitest';
import type { KubeObject, ObjectRule, RuleContext } from '../src/index.ts';
import { RULES } from '../src/index.ts';
import { defaultDeny } from '../src/rules/default-deny.ts';
import { deprecatedApi } from '../src/rules/deprecated-api.ts';
import { dropAll } from '../src/rules/drop-all.ts';
import { imagePinned, parseImage } from '../src/rules/image-pinned.ts';
import { literalSecrets } from '../src/rules/literal-secrets.ts';
import { noPrivilegeEscalation } from '../src/rules/no-privilege-escalation.ts';
import { pdbCoverage } from '../src/rules/pdb.ts';
import { probes } from '../src/rules/probes.ts';
import { rbacWildcards } from '../src/rules/rbac-wildcards.ts';
import { readOnlyRootFs } from '../src/rules/read-only-root-fs.ts';
import { resources } from '../src/rules/resources.ts';
import { runAsNonRoot } from '../src/rules/run-as-non-root.ts';
import { seccomp } from '../src/rules/seccomp.ts';
import { serviceAccount } from '../src/rules/service-account.ts';
import { container, denyAll, goodDeployment, mutate, namespace, pdb, placed } from './fixtures.ts';

const dev: RuleContext = { env: 'dev', kubernetesVersion: 'v1.36.3' };
const prod: RuleContext = { env: 'production', kubernetesVersion: 'v1.36.3' };
const messages = (r: ObjectRule, o: KubeObject, ctx = dev) => r.check(o, ctx).map((v) => v.message);

describe('container rules: one passing and one failing object each', () => {
  // biome-ignore lint/suspicious/noExplicitAny: tests reach into nested fixture objects
  const cases: [ObjectRule, (m: Record<string, any>) => void, RegExp][] = [
    [resources, (m) => delete container(m).resources.limits, /missing resources limits\.cpu, limits\.memory/],
    [probes, (m) => delete container(m).readinessProbe, /no readinessProbe/],
    [runAsNonRoot, (m) => delete m.spec.template.spec.securityContext.runAsNonRoot, /runAsNonRoot is not true/],
    [dropAll, (m) => (container(m).securityContext.capabilities = { drop: ['NET_RAW'] }), /drop does not include ALL/],
    [
      noPrivilegeEscalation,
      (m) => delete container(m).securityContext.allowPrivilegeEscalation,
      /allowPrivilegeEscalation is not false/,
    ],
    [
      readOnlyRootFs,
      (m) => (container(m).securityContext.readOnlyRootFilesystem = false),
      /readOnlyRootFilesystem is not true/,
    ],
    [seccomp, (m) => (container(m).securityContext.seccompProfile = { type: 'Unconfined' }), /Unconfined/],
    [serviceAccount, (m) => (m.spec.template.spec.serviceAccountName = 'default'), /"default"/],
  ];
  for (const [rule, breakIt, expected] of cases) {
    it(`${rule.id}: passes the good Deployment, fails the broken one`, () => {
      expect(messages(rule, goodDeployment())).toEqual([]);
      const found = messages(rule, mutate(goodDeployment(), breakIt));
      expect(found).toHaveLength(1);
      expect(found[0]).toMatch(expected);
      if (rule !== serviceAccount) expect(found[0]).toMatch(/^container "api": /);
    });
  }

  it('container rules look into CronJob templates and skip Rollouts with workloadRef', () => {
    // biome-ignore lint/suspicious/noExplicitAny: tests reach into nested fixture objects
    const tpl = (goodDeployment().spec as any).template;
    const cron = {
      apiVersion: 'batch/v1',
      kind: 'CronJob',
      metadata: { name: 'b' },
      spec: { schedule: '@daily', jobTemplate: { spec: { template: tpl } } },
    };
    expect(messages(runAsNonRoot, cron as KubeObject)).toEqual([]);
    const broken = mutate(cron as KubeObject, (m) => (m.spec.jobTemplate.spec.template.spec.securityContext = {}));
    expect(messages(runAsNonRoot, broken)).toHaveLength(1);
    // A Job runs to completion: no probes needed.
    expect(
      messages(
        probes,
        mutate(cron as KubeObject, (m) => delete m.spec.jobTemplate.spec.template.spec.containers[0].livenessProbe),
      ),
    ).toEqual([]);
    const rollout = {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'Rollout',
      metadata: { name: 'z' },
      spec: { workloadRef: { kind: 'Deployment', name: 'z' } },
    };
    expect(messages(resources, rollout as KubeObject)).toEqual([]);
  });

  it('runAsNonRoot: a container-level runAsUser 0 fails even with the pod set to non-root', () => {
    expect(
      messages(
        runAsNonRoot,
        mutate(goodDeployment(), (m) => (container(m).securityContext.runAsUser = 0)),
      ),
    ).toEqual(['container "api": runAsUser is 0 (root)']);
  });
});

describe('image-pinned', () => {
  it('parses tags and digests, registry ports included', () => {
    expect(parseImage('localhost:5000/a/b')).toEqual({});
    expect(parseImage('localhost:5000/a/b:1.2')).toEqual({ tag: '1.2' });
    expect(parseImage('a/b:1.2@sha256:abc')).toEqual({ tag: '1.2', digest: 'sha256:abc' });
  });
  it('passes a digest everywhere; latest is a warning in dev and an error in production; production needs digests', () => {
    expect(imagePinned.check(goodDeployment(), prod)).toEqual([]);
    const latest = mutate(goodDeployment(), (m) => (container(m).image = 'nginx:latest'));
    expect(imagePinned.check(latest, dev)).toEqual([
      { severity: 'warning', message: expect.stringMatching(/latest tag/) },
    ]);
    expect(imagePinned.check(latest, prod)[0]?.severity).toBe('error');
    const untagged = mutate(goodDeployment(), (m) => (container(m).image = 'nginx'));
    expect(imagePinned.check(untagged, dev)[0]?.message).toMatch(/has no tag/);
    const tagged = mutate(goodDeployment(), (m) => (container(m).image = 'nginx:1.29.1'));
    expect(imagePinned.check(tagged, dev)).toEqual([]);
    expect(imagePinned.check(tagged, prod)).toEqual([
      { severity: 'error', message: expect.stringMatching(/not pinned by digest/) },
    ]);
  });
});

describe('object rules on other kinds', () => {
  it('no-literal-secrets', () => {
    const secret = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, type: 'Opaque' } as KubeObject;
    expect(messages(literalSecrets, secret)).toEqual([]);
    expect(messages(literalSecrets, { ...secret, stringData: { password: 'hunter2' } })).toEqual([
      'Secret carries literal values (stringData.password)',
    ]);
  });
  it('no-rbac-wildcards', () => {
    const role = {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name: 'r' },
      rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list'] }],
    } as KubeObject;
    expect(messages(rbacWildcards, role)).toEqual([]);
    const wild = mutate(role, (m) => m.rules.push({ apiGroups: ['apps'], resources: ['*'], verbs: ['*'] }));
    expect(messages(rbacWildcards, wild)).toEqual(['rules[1] uses a wildcard in resources, verbs']);
  });
  it('deprecated-api: removed APIs are errors, deprecated ones warnings, current ones pass', () => {
    const pdbV1 = pdb({ a: 'b' });
    expect(deprecatedApi.check(pdbV1, dev)).toEqual([]);
    const old = { ...pdbV1, apiVersion: 'policy/v1beta1' };
    expect(deprecatedApi.check(old, dev)).toEqual([
      { message: expect.stringMatching(/removed in Kubernetes 1\.25.*use policy\/v1/) },
    ]);
    expect(deprecatedApi.check(old, { env: 'x', kubernetesVersion: 'v1.24.9' })[0]?.severity).toBe('warning');
    const hpa = {
      apiVersion: 'autoscaling/v2beta2',
      kind: 'HorizontalPodAutoscaler',
      metadata: { name: 'h' },
    } as KubeObject;
    expect(deprecatedApi.check(hpa, { env: 'x', kubernetesVersion: '1.25.0' })[0]?.severity).toBe('warning');
    expect(deprecatedApi.check(hpa, { env: 'x', kubernetesVersion: '1.26.0' })[0]?.severity).toBeUndefined();
    const fs = {
      apiVersion: 'flowcontrol.apiserver.k8s.io/v1beta3',
      kind: 'FlowSchema',
      metadata: { name: 'f' },
    } as KubeObject;
    expect(deprecatedApi.check(fs, { env: 'x', kubernetesVersion: 'v1.31.0' })[0]?.severity).toBe('warning');
    expect(deprecatedApi.check(fs, { env: 'x', kubernetesVersion: 'v1.32.0' })[0]?.message).toMatch(
      /removed in Kubernetes 1\.32/,
    );
  });
});

describe('environment rules', () => {
  it('pdb-coverage: a PDB must select the pods of a workload with more than one replica', () => {
    const d = goodDeployment('api', 3);
    expect(pdbCoverage.check(placed([d, pdb({ 'app.kubernetes.io/name': 'api' })]), dev)).toEqual([]);
    expect(pdbCoverage.check(placed([goodDeployment('api', 1)]), dev)).toEqual([]);
    const missing = pdbCoverage.check(placed([d, pdb({ 'app.kubernetes.io/name': 'other' })]), dev);
    expect(missing).toHaveLength(1);
    expect(missing[0]?.message).toMatch(/runs up to 3 replicas but no PodDisruptionBudget/);
    expect(missing[0]?.object?.object.metadata.name).toBe('api');
  });
  it('pdb-coverage: an HPA that can scale past one replica needs a PDB too', () => {
    const hpa = {
      apiVersion: 'autoscaling/v2',
      kind: 'HorizontalPodAutoscaler',
      metadata: { name: 'api', namespace: 'kosmos-core' },
      spec: {
        scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'api' },
        minReplicas: 1,
        maxReplicas: 4,
      },
    } as KubeObject;
    expect(pdbCoverage.check(placed([goodDeployment('api', 1), hpa]), dev)).toHaveLength(1);
  });
  it('default-deny-network-policy: every namespace needs one, across releases', () => {
    const objs = [namespace('kosmos-core'), namespace('kosmos-db'), denyAll('kosmos-core'), denyAll('kosmos-db')];
    expect(
      defaultDeny.check(
        placed(objs).map((p) => ({ ...p, namespace: p.object.metadata.namespace })),
        dev,
      ),
    ).toEqual([]);
    const onlyIngress = mutate(denyAll('kosmos-db'), (m) => (m.spec.policyTypes = ['Ingress']));
    const allowAll = mutate(denyAll('kosmos-core'), (m) => (m.spec.ingress = [{}]));
    const found = defaultDeny.check(
      placed([namespace('kosmos-core'), namespace('kosmos-db'), allowAll, onlyIngress]).map((p) => ({
        ...p,
        namespace: p.object.metadata.namespace,
      })),
      dev,
    );
    expect(found.map((v) => v.message)).toEqual([
      expect.stringMatching(/^namespace kosmos-core has no default-deny NetworkPolicy for Ingress \(/),
      expect.stringMatching(/^namespace kosmos-db has no default-deny NetworkPolicy for Egress \(/),
    ]);
  });
});

describe('the rule list', () => {
  it('has unique ids, each with a severity and a description', () => {
    const ids = RULES.map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toHaveLength(14);
    for (const r of RULES) expect(r.description.length).toBeGreaterThan(20);
  });
});
