/**
 * The Prometheus Operator v0.85.0, run natively, against production's releases of our charts
 * installed as an operator would install them (platform first: namespaces, quotas, the
 * `local-path-retain` StorageClass; then data-tier, observability, core-agents, rollouts, ingress),
 * with the Alertmanager configuration Secret created from the chart's example:
 * - it reconciles the observability chart's Prometheus and Alertmanager into StatefulSets whose
 *   pods are admitted (quota, LimitRange, Pod Security) and run;
 * - its generated scrape configuration has a job for every endpoint of every ServiceMonitor our
 *   charts render, wherever it lives (the Prometheus selects namespaces and monitors by label);
 * - `promtool check rules` loads every rule file it generated from our PrometheusRules, and
 *   `amtool check-config` accepts the Alertmanager configuration it generated.
 *
 * The platform's namespaces are shared with install.cluster.test.ts and the deploy test: this file
 * holds the platform lock for its whole run and leaves the cluster as it found it.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { type Controller, describeController, platformLock, startPrometheusOperator } from '@kosmos/testkit';
import { localCluster } from '@kosmos/testkit/vitest';
import { ensure } from '@kosmos/toolchain';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { chartDir, type Json } from '../charts/helpers.ts';
import {
  ALL_NAMESPACES,
  cleanPlatform,
  type Installed,
  installRelease,
  PLATFORM_NAMESPACES,
  repoReleases,
  waitQuotasComputed,
} from '../charts/install-helpers.ts';
import { kube, until } from './helpers.ts';

const cluster = localCluster();
const kc = kube(cluster);
const lock = platformLock(cluster.kubeconfig);
const OBS = 'kosmos-observability';
const tmp = mkdtempSync(join(tmpdir(), 'kosmos-operator-'));

let operator: Controller | undefined;
const installed: Installed[] = [];
let promtool: string;
let amtool: string;

const rendered = (kind: string): Json[] =>
  installed.flatMap((i) =>
    i.objects
      .filter((o) => o.kind === kind)
      .map((o) => ({
        ...(o as Json),
        metadata: { ...o.metadata, namespace: o.metadata.namespace ?? i.release.namespace },
      })),
  );
const one = (kind: string): Json => {
  const [o, ...more] = rendered(kind);
  if (!o || more.length) throw new Error(`expected one ${kind}, rendered ${1 + more.length}`);
  return o;
};

const data = (s: Json, key: string): string | undefined => {
  const v = s.data?.[key];
  if (!v) return undefined;
  const raw = Buffer.from(v, 'base64');
  return (key.endsWith('.gz') ? gunzipSync(raw) : raw).toString('utf8');
};

const context = async () => {
  const events = (await kc.list('events', OBS))
    .filter((e) => e.type === 'Warning')
    .map((e) => `${e.involvedObject.kind}/${e.involvedObject.name}: ${e.message}`);
  return `${events.slice(-10).join('\n')}\n${operator ? await describeController(operator, 40) : ''}`;
};

beforeAll(async () => {
  promtool = await ensure('promtool');
  amtool = await ensure('amtool');
  await lock.acquire();
  await cleanPlatform(kc);
  for (const r of repoReleases('production').releases) {
    installed.push(await installRelease(kc, r));
    if (r.chart.kind === 'repo' && r.chart.name === 'platform') {
      await waitQuotasComputed(kc, PLATFORM_NAMESPACES);
      // What a user creates before installing observability: the Alertmanager's configuration.
      await kc.k([
        'create',
        'secret',
        'generic',
        'kosmos-alertmanager-config',
        '-n',
        OBS,
        `--from-file=alertmanager.yaml=${join(chartDir('observability'), 'examples', 'alertmanager.yaml')}`,
      ]);
    }
  }
  operator = await startPrometheusOperator({ kubeconfig: cluster.kubeconfig, namespaces: [...ALL_NAMESPACES] });
}, 900_000);

afterAll(async () => {
  try {
    await operator?.stop();
    await cleanPlatform(kc);
  } finally {
    await lock.release();
    rmSync(tmp, { recursive: true, force: true });
  }
}, 600_000);

describe('the Prometheus Operator reconciles the production stack', () => {
  it('the stack renders one Prometheus, one Alertmanager and ServiceMonitors for the operator to read', () => {
    expect(one('Prometheus').metadata.namespace).toBe(OBS);
    expect(one('Alertmanager').metadata.namespace).toBe(OBS);
    expect(rendered('ServiceMonitor').length).toBeGreaterThan(0);
    expect(rendered('PrometheusRule').length).toBeGreaterThan(0);
  });

  it('turns the Prometheus and the Alertmanager into StatefulSets whose pods run', async () => {
    for (const [kind, prefix] of [
      ['Prometheus', 'prometheus'],
      ['Alertmanager', 'alertmanager'],
    ] as const) {
      const o = one(kind);
      const sts = `${prefix}-${o.metadata.name}`;
      await until(
        `StatefulSet ${sts} ready with ${o.spec.replicas ?? 1} replicas`,
        async () => {
          const s = (await kc.list('statefulsets', OBS)).find((x) => x.metadata.name === sts);
          if (!s) return 'not created yet';
          const want = o.spec.replicas ?? 1;
          return s.spec.replicas === want && s.status?.readyReplicas === want
            ? undefined
            : `ready ${s.status?.readyReplicas ?? 0}/${s.spec.replicas} (want ${want})`;
        },
        180_000,
        context,
      );
    }
  }, 400_000);

  it('generates one scrape job per endpoint of every ServiceMonitor our charts render', async () => {
    const name = one('Prometheus').metadata.name;
    const expected = rendered('ServiceMonitor').flatMap((sm) =>
      (sm.spec.endpoints as Json[]).map((_, i) => `serviceMonitor/${sm.metadata.namespace}/${sm.metadata.name}/${i}`),
    );
    let jobs: string[] = [];
    let config = '';
    await until(
      'the generated configuration to cover every ServiceMonitor',
      async () => {
        const secret = (await kc.list('secrets', OBS)).find((s) => s.metadata.name === `prometheus-${name}`);
        config = (secret && data(secret, 'prometheus.yaml.gz')) ?? '';
        if (!config) return 'no prometheus.yaml.gz yet';
        jobs = (((parse(config) as Json).scrape_configs ?? []) as Json[]).map((j) => String(j.job_name));
        const missing = expected.filter((e) => !jobs.includes(e));
        return missing.length === 0 ? undefined : `missing jobs ${missing.join(', ')}; have ${jobs.join(', ')}`;
      },
      120_000,
      context,
    );
    expect(jobs).toEqual(expect.arrayContaining(expected));
    // Every alert to every Alertmanager replica: endpoints discovery of the Alertmanager Service.
    const alerting = (parse(config) as Json).alerting.alertmanagers as Json[];
    expect(alerting.map((a) => a.kubernetes_sd_configs[0].role)).toEqual(['endpoints']);
    // promtool reads the generated configuration as the server would (files it names are mounted
    // in the pod, hence syntax only).
    const file = join(tmp, 'prometheus.yaml');
    writeFileSync(file, config);
    const r = spawnSync(promtool, ['check', 'config', '--syntax-only', file], { encoding: 'utf8' });
    expect(r.status, r.stdout + r.stderr).toBe(0);
  }, 200_000);

  it('promtool loads every rule file the operator generated from our PrometheusRules', async () => {
    const name = one('Prometheus').metadata.name;
    const rules = rendered('PrometheusRule');
    let files: [string, string][] = [];
    await until(
      'the rule files of every PrometheusRule',
      async () => {
        files = (await kc.list('configmaps', OBS))
          .filter((c) => String(c.metadata.name).startsWith(`prometheus-${name}-rulefiles-`))
          .flatMap((c) => Object.entries((c.data ?? {}) as Record<string, string>));
        const missing = rules.filter(
          (r) => !files.some(([key]) => key.startsWith(`${r.metadata.namespace}-${r.metadata.name}-`)),
        );
        return missing.length ? `no rule file for ${missing.map((r) => r.metadata.name).join(', ')}` : undefined;
      },
      120_000,
      context,
    );
    let total = 0;
    for (const [key, content] of files) {
      const file = join(tmp, key);
      writeFileSync(file, content);
      const r = spawnSync(promtool, ['check', 'rules', file], { encoding: 'utf8' });
      expect(r.status, `${key}: ${r.stdout}${r.stderr}`).toBe(0);
      total += Number(/SUCCESS: (\d+) rules found/.exec(r.stdout)?.[1] ?? 0);
    }
    const declared = rules.reduce(
      (n, r) => n + (r.spec.groups as Json[]).reduce((m, g) => m + (g.rules as Json[]).length, 0),
      0,
    );
    expect(total).toBe(declared);
  }, 200_000);

  it('amtool accepts the Alertmanager configuration the operator generated', async () => {
    const name = one('Alertmanager').metadata.name;
    let config = '';
    await until(
      'the generated Alertmanager configuration',
      async () => {
        const secret = (await kc.list('secrets', OBS)).find(
          (s) => s.metadata.name === `alertmanager-${name}-generated`,
        );
        config = (secret && (data(secret, 'alertmanager.yaml.gz') ?? data(secret, 'alertmanager.yaml'))) ?? '';
        return config ? undefined : 'not generated yet';
      },
      120_000,
      context,
    );
    const file = join(tmp, 'alertmanager.yaml');
    writeFileSync(file, config);
    const r = spawnSync(amtool, ['check-config', file], { encoding: 'utf8' });
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/- 3 receivers/);
    // The user's configuration, not a default the operator falls back to.
    expect(config).toContain('deadmans-switch');
  }, 200_000);
});
