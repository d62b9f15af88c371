/**
 * The six charts installed into the local cluster (kube-apiserver + kwok, three simulated K3s
 * servers) the way each environment installs them: releases of environments/<env>/environment.yaml
 * in needs order, each with its values file. Upstream controllers (Traefik, Argo Rollouts,
 * Prometheus Operator) are not installed: the testkit applied their CRDs, and there is no
 * controller to run, so a Rollout gets no pods here.
 *
 * The environments share the platform's namespaces, so they run one after the other, each
 * leaving the cluster clean for the next.
 */
import { parseManifests } from '@kosmos/helm';
import type { KubeObject } from '@kosmos/objects';
import { release } from '@kosmos/release';
import { platformLock } from '@kosmos/testkit';
import { localCluster } from '@kosmos/testkit/vitest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chartsRepo } from '../../packages/release/test/fixture.ts';
import { type Env, envs, type Json } from './helpers.ts';
import {
  ALL_NAMESPACES,
  type ClaimRecord,
  claims,
  cleanPlatform,
  diagnose,
  failedCreates,
  getObject,
  type Installed,
  installRelease,
  kube,
  localOverrides,
  NODE_AGENT_NAMESPACES,
  notReady,
  PLATFORM_NAMESPACES,
  podsOf,
  RETAIN_CLASS,
  refOf,
  repoReleases,
  show,
  uninstall,
  until,
  WORKLOAD_KINDS,
  type WorkloadRef,
  waitQuotasComputed,
  waitReady,
} from './install-helpers.ts';

const kc = kube(localCluster());
// The deploy test installs the same releases into the same namespaces: one file at a time.
const lock = platformLock(localCluster().kubeconfig);
const READY_TIMEOUT = 240_000;
const TEST_TIMEOUT = 600_000;

const workloadsOf = (installed: Installed[], kinds: readonly string[] = WORKLOAD_KINDS): WorkloadRef[] =>
  installed.flatMap((i) => i.objects.filter((o) => kinds.includes(o.kind)).map((o) => refOf(o, i.release.namespace)));

/** HorizontalPodAutoscalers of the releases with their target. */
const hpasOf = (installed: Installed[]) =>
  installed.flatMap((i) =>
    i.objects
      .filter((o): o is KubeObject & Json => o.kind === 'HorizontalPodAutoscaler')
      .map((o) => ({
        hpa: refOf(o, i.release.namespace),
        target: {
          kind: o.spec.scaleTargetRef.kind as string,
          namespace: o.metadata.namespace ?? i.release.namespace,
          name: o.spec.scaleTargetRef.name as string,
        },
        minReplicas: (o.spec.minReplicas ?? 1) as number,
      })),
  );

async function installAll(env: Env): Promise<Installed[]> {
  const { releases } = repoReleases(env);
  const installed: Installed[] = [];
  for (const r of releases) {
    installed.push(await installRelease(kc, r));
    // The quota controller must have computed the platform's quotas before any pod is created,
    // or admission refuses pods with "status unknown for quota" (a transient FailedCreate).
    if (r.chart.kind === 'repo' && r.chart.name === 'platform') await waitQuotasComputed(kc, PLATFORM_NAMESPACES);
  }
  return installed;
}

beforeAll(async () => {
  await lock.acquire();
  await cleanPlatform(kc);
}, 2 * TEST_TIMEOUT);

afterAll(async () => {
  try {
    await cleanPlatform(kc);
  } finally {
    await lock.release();
  }
}, TEST_TIMEOUT);

describe.sequential('each environment installs into the local cluster', () => {
  for (const env of envs) {
    it(
      `${env}: every workload accepted and admitted, Deployments and StatefulSets Ready, retained claims survive uninstall`,
      async () => {
        const { releases } = repoReleases(env);
        expect(releases.map((r) => r.chart.kind === 'repo' && r.chart.name).sort()).toEqual(
          ['core-agents', 'data-tier', 'ingress', 'observability', 'platform', 'rollouts'].sort(),
        );
        expect(releases[0]?.name, 'platform goes first: it creates the namespaces').toBe('platform');

        const installed = await installAll(env);

        // The namespaces enforce a Pod Security level (restricted, per the platform chart); the
        // node agents' namespaces privileged, holding nothing but their DaemonSet.
        for (const ns of PLATFORM_NAMESPACES) {
          const labels = (await kc.json(['get', 'namespace', ns])).metadata.labels ?? {};
          expect(labels['pod-security.kubernetes.io/enforce'], `${ns} enforce level`).toBe('restricted');
        }
        for (const ns of NODE_AGENT_NAMESPACES) {
          const labels = (await kc.json(['get', 'namespace', ns])).metadata.labels ?? {};
          expect(labels['pod-security.kubernetes.io/enforce'], `${ns} enforce level`).toBe('privileged');
          const workloadsThere = (
            await Promise.all(['deployments', 'statefulsets', 'daemonsets'].map((k) => kc.list(k, ns)))
          )
            .flat()
            .map((o) => `${o.kind}/${o.metadata.name}`);
          expect(workloadsThere, `${ns} holds one DaemonSet only`).toHaveLength(1);
          expect(workloadsThere[0]).toMatch(/^DaemonSet\//);
        }

        // The API server warned about no pod template (the namespaces' PodSecurity `warn` level).
        const warnings = installed.filter((i) => /violate PodSecurity/i.test(i.warnings));
        expect(
          warnings.map((i) => `${i.release.name}: ${i.warnings}`),
          'PodSecurity warnings while installing',
        ).toEqual([]);

        // Every Deployment, StatefulSet and Rollout the releases rendered was accepted.
        const workloads = workloadsOf(installed);
        expect(workloads.length).toBeGreaterThan(0);
        const missing: string[] = [];
        for (const w of workloads) if (!(await getObject(kc, w))) missing.push(show(w));
        expect(missing, 'workloads the API server does not have').toEqual([]);

        // A Rollout (no controller here) references a Deployment of core-agents that must exist.
        for (const w of workloads.filter((x) => x.kind === 'Rollout')) {
          const ro = (await getObject(kc, w)) as Json;
          const ref = ro.spec.workloadRef;
          if (ref) {
            const d = await getObject(kc, { kind: ref.kind, namespace: w.namespace, name: ref.name });
            expect(d, `${show(w)} references ${ref.kind}/${ref.name}`).toBeDefined();
          }
        }

        // The HPAs' floor: the HPA controller scales Deployments up to minReplicas without metrics.
        for (const h of hpasOf(installed).filter((x) => x.target.kind === 'Deployment')) {
          await until(
            `${show(h.hpa)} to scale ${show(h.target)} to ${h.minReplicas}`,
            async () => {
              const d = await getObject(kc, h.target);
              return (d?.spec?.replicas ?? 0) >= h.minReplicas ? undefined : `spec.replicas ${d?.spec?.replicas}`;
            },
            READY_TIMEOUT,
          );
        }

        // Deployments and StatefulSets become Ready on the simulated nodes, DaemonSets on every node.
        const apps = workloads.filter((w) => w.kind !== 'Rollout');
        await waitReady(kc, apps, READY_TIMEOUT);
        const daemonSets = workloadsOf(installed, ['DaemonSet']);
        expect(daemonSets.map((d) => d.namespace).sort()).toEqual([...NODE_AGENT_NAMESPACES].sort());
        await waitReady(kc, daemonSets, READY_TIMEOUT);

        // Every pod was admitted: as many pods as replicas, none refused by PodSecurity.
        const podCounts: string[] = [];
        for (const w of apps) {
          const o = (await getObject(kc, w)) as Json;
          const pods = await podsOf(kc, o);
          if ((o.spec.replicas ?? 1) > 0 && pods.length !== o.spec.replicas)
            podCounts.push(`${show(w)}: ${pods.length} pod(s) for ${o.spec.replicas} replica(s)`);
        }
        expect(podCounts, 'workloads without their pods').toEqual([]);

        // The backup CronJob's pod too: one Job from each CronJob, run to completion.
        const cronJobs = workloadsOf(installed, ['CronJob']);
        for (const cj of cronJobs) {
          const job = `${cj.name}-admission`.slice(0, 52);
          await kc.k(['create', 'job', job, `--from=cronjob/${cj.name}`, '-n', cj.namespace]);
          await until(
            `Job ${cj.namespace}/${job} from ${show(cj)} to succeed`,
            async () => {
              const j = await kc.json(['get', 'job', job, '-n', cj.namespace]);
              if ((j.status?.succeeded ?? 0) >= 1) return undefined;
              const events = await failedCreates(kc, [cj.namespace]);
              return `status ${JSON.stringify(j.status ?? {})}; ${events.join('; ')}`;
            },
            READY_TIMEOUT,
          );
        }

        const refused = (await failedCreates(kc, ALL_NAMESPACES)).filter((e) => /PodSecurity/.test(e));
        expect(refused, 'pods refused by Pod Security admission').toEqual([]);

        // Uninstall in reverse order: claims of local-path-retain stay (same objects, still bound).
        const before = await claims(kc, PLATFORM_NAMESPACES, RETAIN_CLASS);
        expect(before.length, 'claims of local-path-retain before uninstall').toBeGreaterThan(0);
        await uninstall(
          kc,
          releases
            .slice()
            .reverse()
            .map((r) => ({ name: r.name, namespace: r.namespace })),
        );
        await until(
          'the releases’ pods to be gone',
          async () => {
            const left = (await Promise.all(PLATFORM_NAMESPACES.map((ns) => kc.list('pods', ns)))).flat();
            return left.length === 0
              ? undefined
              : left.map((p) => `${p.metadata.namespace}/${p.metadata.name}`).join(', ');
          },
          READY_TIMEOUT,
        );
        const leftWorkloads: string[] = [];
        for (const w of workloads) if (await getObject(kc, w)) leftWorkloads.push(show(w));
        expect(leftWorkloads, 'workloads left after uninstall').toEqual([]);
        const after = await claims(kc, PLATFORM_NAMESPACES, RETAIN_CLASS);
        expect(after, 'claims of local-path-retain after uninstall').toEqual(before);
        for (const c of after) {
          const pv = await kc.json(['get', 'pv', c.volumeName]);
          expect(pv.status?.phase, `volume of ${c.namespace}/${c.name}`).toBe('Bound');
          expect(pv.spec.persistentVolumeReclaimPolicy).toBe('Retain');
        }

        await cleanPlatform(kc);
      },
      TEST_TIMEOUT,
    );
  }
});

describe.sequential('upgrade from staging values to production values', () => {
  it(
    'keeps the StatefulSets and their claims (same UIDs, still bound)',
    async () => {
      const staging = repoReleases('staging').releases;
      const production = repoReleases('production').releases;
      const stateful = ['platform', 'data-tier', 'observability'];
      const pick = (rs: typeof staging) => rs.filter((r) => stateful.includes(r.name));

      const first: Installed[] = [];
      for (const r of pick(staging)) {
        first.push(await installRelease(kc, r));
        if (r.name === 'platform') await waitQuotasComputed(kc, PLATFORM_NAMESPACES);
      }
      const sets = workloadsOf(first, ['StatefulSet']);
      expect(sets.length).toBeGreaterThan(0);
      await waitReady(kc, workloadsOf(first, ['Deployment', 'StatefulSet']), READY_TIMEOUT);

      const uidsBefore = new Map<string, string>();
      for (const w of sets) uidsBefore.set(show(w), ((await getObject(kc, w)) as Json).metadata.uid);
      const claimsBefore = await claims(kc, PLATFORM_NAMESPACES, RETAIN_CLASS);
      expect(claimsBefore.every((c) => c.phase === 'Bound')).toBe(true);
      // Every StatefulSet with volumeClaimTemplates has its claims.
      for (const w of sets) {
        const o = (await getObject(kc, w)) as Json;
        for (const t of o.spec.volumeClaimTemplates ?? []) {
          for (let i = 0; i < o.spec.replicas; i++) {
            const name = `${t.metadata.name}-${w.name}-${i}`;
            expect(
              claimsBefore.find((c) => c.namespace === w.namespace && c.name === name),
              `claim ${w.namespace}/${name}`,
            ).toBeDefined();
          }
        }
      }

      // An upgrade that fails is reported at the end, after checking what it did to the claims.
      const second: Installed[] = [];
      const failures: string[] = [];
      for (const r of pick(production)) {
        try {
          second.push(await installRelease(kc, r));
        } catch (e) {
          failures.push(`upgrading ${r.name} from staging to production values: ${(e as Error).message}`);
        }
      }
      for (const i of second) {
        const status = await kc.helm(['status', i.release.name, '-n', i.release.namespace, '-o', 'json']);
        const s = JSON.parse(status.stdout) as { version: number; info: { status: string } };
        expect([s.info.status, s.version], `${i.release.name} release after the upgrade`).toEqual(['deployed', 2]);
      }
      await waitReady(kc, workloadsOf(second, ['Deployment', 'StatefulSet']), READY_TIMEOUT);

      for (const w of sets) {
        const o = await getObject(kc, w);
        expect(o?.metadata.uid, `${show(w)} was recreated`).toBe(uidsBefore.get(show(w)));
      }
      const claimsAfter = await claims(kc, PLATFORM_NAMESPACES, RETAIN_CLASS);
      const kept = (c: ClaimRecord) => claimsAfter.find((a) => a.namespace === c.namespace && a.name === c.name);
      for (const c of claimsBefore) {
        expect(kept(c), `claim ${c.namespace}/${c.name} after the upgrade`).toEqual({ ...c, phase: 'Bound' });
      }
      // Production adds NATS servers: their new claims are bound too.
      for (const c of claimsAfter) expect(c.phase, `claim ${c.namespace}/${c.name}`).toBe('Bound');

      // Still Ready means the pods run with the kept claims mounted.
      for (const w of sets) {
        const o = (await getObject(kc, w)) as Json;
        expect(notReady(o), await diagnose(kc, w)).toBeUndefined();
      }

      expect(failures, 'failed upgrades').toEqual([]);
    },
    TEST_TIMEOUT,
  );
});

// In this file rather than beside the release tests: it needs the platform's namespaces, which the
// tests above use too, and the tests of one file run one after the other.
describe.sequential('charts published by pnpm release install on their own, as an operator would', () => {
  it(
    'production: plain helm install oci://… of every released chart with the production values; workloads Ready',
    async () => {
      // The upgrade test above leaves its releases for afterAll: start from a clean platform.
      await cleanPlatform(kc);
      const registry = `oci://${localCluster().registry}/operator-${Date.now().toString(36)}`;
      const published = await release({ root: chartsRepo(), registry, progress: () => {} });
      expect(published.error).toBeUndefined();
      expect(published.pushed.map((p) => p.chart)).toContain('kosmos-common');
      const version = new Map(published.pushed.map((p) => [p.chart, p.version]));

      const { releases } = repoReleases('production');
      const installed: Installed[] = [];
      for (const r of releases) {
        if (r.chart.kind !== 'repo') continue;
        const chart = r.chart.name;
        const v = version.get(chart);
        expect(v, `${chart} was released`).toBeDefined();
        // Only the published chart and the environment's values file: nothing of the tree.
        const args = ['install', r.name, `${registry}/${chart}`, '--version', String(v), '--plain-http'];
        args.push('-n', r.namespace, ...r.values.flatMap((f) => ['-f', f]), ...localOverrides(r));
        const res = await kc.helm(args);
        const manifest = (await kc.helm(['get', 'manifest', r.name, '-n', r.namespace])).stdout;
        installed.push({ release: r, objects: parseManifests(manifest, `release ${r.name}`), warnings: res.stderr });
        if (chart === 'platform') await waitQuotasComputed(kc, PLATFORM_NAMESPACES);
      }
      expect(installed.length).toBe(6);
      await waitReady(kc, workloadsOf(installed, ['Deployment', 'StatefulSet']), READY_TIMEOUT);
      await cleanPlatform(kc);
    },
    TEST_TIMEOUT,
  );
});
