import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HelmError, lint } from '@kosmos/helm';
import type { KubeObject } from '@kosmos/objects';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  buildDeps,
  chartDir,
  envs,
  find,
  type Json,
  mebibytes,
  millicores,
  renderer,
  schemaError,
  envValues as valuesOf,
} from './helpers.ts';
import { allContainers, type Container, releaseViolations, workloadPods } from './pod-security.ts';

const chart = chartDir('data-tier');
const envValues = (env: (typeof envs)[number]) => valuesOf(env, 'data-tier');
const renderRelease = renderer('data-tier', 'kosmos-db');
// Backups go to object storage outside the cluster: the chart has no endpoint it could default to.
const S3 = { 'backup.s3.endpoint': 'https://s3.example.com' };
const render = (valuesFiles: string[] = [], set: Record<string, string | number | boolean> = {}) =>
  renderRelease({ valuesFiles, set: valuesFiles.length ? set : { ...S3, ...set } });
const container = (sts: Json, name: string): Container => {
  const c = (sts.spec.template.spec.containers as Container[]).find((x) => x.name === name);
  if (!c) throw new Error(`no container ${name}`);
  return c;
};
/** The port a probe points at, with named ports resolved against the container's ports. */
const probePort = (c: Container, probe: Json): number => {
  const p = (probe.tcpSocket ?? probe.httpGet).port as string | number;
  if (typeof p === 'number') return p;
  const named = (c.ports ?? []).find((x) => x.name === p);
  if (!named) throw new Error(`probe port ${p} is not a port of ${c.name}`);
  return named.containerPort;
};

let defaults: KubeObject[];
const byEnv: Record<string, KubeObject[]> = {};

beforeAll(async () => {
  await buildDeps('data-tier');
  defaults = await render();
  for (const env of envs) byEnv[env] = await render([envValues(env)]);
}, 120_000);

describe('data-tier: helm lint --strict', () => {
  it.each(envs)('passes with environments/%s values', async (env) => {
    const r = await lint({ chart, valuesFiles: [envValues(env)], strict: true });
    expect(r.output).toContain('0 chart(s) failed');
    expect(r.ok, r.output).toBe(true);
  });
  it('passes with the chart defaults and an S3 endpoint', async () => {
    const r = await lint({ chart, strict: true, set: S3 });
    expect(r.ok, r.output).toBe(true);
  });
});

describe('data-tier: workloads', () => {
  it('renders the three StatefulSets with headless and client Services, ServiceAccounts and PDBs, and no MinIO', () => {
    expect(defaults.filter((o) => /minio/i.test(JSON.stringify(o)))).toEqual([]);
    for (const c of ['postgresql', 'dragonfly', 'nats']) {
      const sts = find(defaults, 'StatefulSet', `data-tier-${c}`);
      expect(sts.spec.serviceName).toBe(`data-tier-${c}-headless`);
      expect(find(defaults, 'Service', `data-tier-${c}-headless`).spec.clusterIP).toBe('None');
      expect(find(defaults, 'Service', `data-tier-${c}`).spec.type).toBe('ClusterIP');
      expect(find(defaults, 'ServiceAccount', `data-tier-${c}`).automountServiceAccountToken).toBe(false);
      expect(sts.spec.template.spec.serviceAccountName).toBe(`data-tier-${c}`);
      expect(find(defaults, 'PodDisruptionBudget', `data-tier-${c}`).spec.maxUnavailable).toBe(1);
      expect(sts.spec.persistentVolumeClaimRetentionPolicy).toEqual({ whenDeleted: 'Retain', whenScaled: 'Retain' });
    }
  });

  it('selectors use name, instance and component only', () => {
    for (const o of defaults.filter((x) => x.kind === 'StatefulSet')) {
      const sel = (o as Json).spec.selector.matchLabels as Record<string, string>;
      expect(Object.keys(sel).sort()).toEqual([
        'app.kubernetes.io/component',
        'app.kubernetes.io/instance',
        'app.kubernetes.io/name',
      ]);
    }
    for (const o of defaults) {
      expect(o.metadata.labels?.['app.kubernetes.io/part-of'], `${o.kind}/${o.metadata.name}`).toBe('kosmos');
      expect(o.metadata.labels?.['helm.sh/chart']).toBe('data-tier-0.2.0');
    }
  });

  it('probes follow the seed table (TCP 5432 / 30s, TCP 6379 / 10s, NATS /healthz on 8222 / 10s)', () => {
    const pg = container(find(defaults, 'StatefulSet', 'data-tier-postgresql'), 'postgresql');
    for (const probe of [pg.livenessProbe, pg.readinessProbe] as Json[]) {
      expect(probe.tcpSocket).toBeDefined();
      expect(probePort(pg, probe)).toBe(5432);
      expect(probe.initialDelaySeconds).toBe(30);
    }
    expect(probePort(pg, pg.startupProbe as Json)).toBe(5432);

    const df = container(find(defaults, 'StatefulSet', 'data-tier-dragonfly'), 'dragonfly');
    for (const probe of [df.livenessProbe, df.readinessProbe] as Json[]) {
      expect(probe.tcpSocket).toBeDefined();
      expect(probePort(df, probe)).toBe(6379);
      expect(probe.initialDelaySeconds).toBe(10);
    }

    const nats = container(find(defaults, 'StatefulSet', 'data-tier-nats'), 'nats');
    for (const probe of [nats.livenessProbe, nats.readinessProbe, nats.startupProbe] as Json[]) {
      expect(probe.httpGet.path).toMatch(/^\/healthz/);
      expect(probePort(nats, probe)).toBe(8222);
    }
    expect((nats.livenessProbe as Json).initialDelaySeconds).toBe(10);
    expect((nats.readinessProbe as Json).initialDelaySeconds).toBe(10);
  });

  it('Dragonfly metrics: a PodMonitor on the redis port when the API is served (not a ServiceMonitor: two Services match)', async () => {
    expect(defaults.filter((o) => o.kind === 'PodMonitor')).toEqual([]);
    const objs = await renderRelease({ set: S3, apiVersions: ['monitoring.coreos.com/v1/PodMonitor'] });
    const pm = find(objs, 'PodMonitor', 'data-tier-dragonfly');
    expect(pm.spec.podMetricsEndpoints).toEqual([{ port: 'redis', path: '/metrics', interval: '30s' }]);
    expect(pm.spec.selector.matchLabels).toEqual(
      find(objs, 'StatefulSet', 'data-tier-dragonfly').spec.selector.matchLabels,
    );
  });

  it('NATS liveness does not fail when JetStream loses quorum: only the full check gates startup', () => {
    for (const env of envs) {
      const nats = container(find(byEnv[env] ?? [], 'StatefulSet', 'data-tier-nats'), 'nats');
      // js-enabled-only: the server runs with JetStream enabled; a stream without quorum does not
      // make every server restart (plain /healthz would).
      expect((nats.livenessProbe as Json).httpGet.path, env).toBe('/healthz?js-enabled-only=true');
      expect((nats.readinessProbe as Json).httpGet.path, env).toBe('/healthz?js-server-only=true');
      expect((nats.startupProbe as Json).httpGet.path, env).toBe('/healthz');
    }
  });

  it('a probe can be switched off', async () => {
    const objs = await render([], { 'postgresql.startupProbe.enabled': false });
    expect(container(find(objs, 'StatefulSet', 'data-tier-postgresql'), 'postgresql').startupProbe).toBeUndefined();
  });

  it('uses upstream images at pinned tags, never Bitnami, with digest and global registry support', async () => {
    const images = workloadPods(defaults).flatMap((p) => allContainers(p.spec).map((c) => c.image ?? ''));
    expect(images).toContain('docker.io/library/postgres:17.6-alpine');
    expect(images.some((i) => i.startsWith('docker.io/dragonflydb/dragonfly:v'))).toBe(true);
    expect(images.some((i) => /^docker\.io\/library\/nats:2\.\d+\.\d+-alpine$/.test(i))).toBe(true);
    expect(images).toContain('docker.io/rclone/rclone:1.75.0');
    expect(images.some((i) => /minio/.test(i))).toBe(false);
    for (const i of images) {
      expect(i).not.toMatch(/bitnami/i);
      expect(i).not.toMatch(/:latest$/);
    }
    const digest = `sha256:${'a'.repeat(64)}`;
    const objs = await render([], { 'postgresql.image.digest': digest, 'global.imageRegistry': 'registry.local:5000' });
    expect(container(find(objs, 'StatefulSet', 'data-tier-postgresql'), 'postgresql').image).toBe(
      `registry.local:5000/library/postgres@${digest}`,
    );
    expect(container(find(objs, 'StatefulSet', 'data-tier-nats'), 'nats').image).toMatch(
      /^registry\.local:5000\/library\/nats:/,
    );
  });
});

describe('data-tier: storage', () => {
  const claim = (objs: KubeObject[], c: string): Json =>
    find(objs, 'StatefulSet', `data-tier-${c}`).spec.volumeClaimTemplates[0];

  it('every StatefulSet claims its data on local-path-retain', () => {
    for (const env of envs) {
      for (const c of ['postgresql', 'dragonfly', 'nats']) {
        const t = claim(byEnv[env] ?? [], c);
        expect(t.spec.storageClassName, `${env} ${c}`).toBe('local-path-retain');
        expect(t.spec.accessModes).toEqual(['ReadWriteOnce']);
      }
    }
  });

  it('production claims postgres 50Gi (seeds/000); object storage is external, no 100Gi MinIO claim', () => {
    const prod = byEnv.production ?? [];
    expect(claim(prod, 'postgresql').spec.resources.requests.storage).toBe('50Gi');
    expect(claim(prod, 'dragonfly').spec.resources.requests.storage).toBe('4Gi');
    expect(claim(prod, 'nats').spec.resources.requests.storage).toBe('4Gi');
    expect(prod.filter((o) => o.kind === 'PersistentVolumeClaim')).toEqual([]);
  });

  it('staging and production StatefulSets differ only in fields an upgrade may change', () => {
    for (const c of ['postgresql', 'dragonfly', 'nats']) {
      const s = find(byEnv.staging ?? [], 'StatefulSet', `data-tier-${c}`).spec;
      const p = find(byEnv.production ?? [], 'StatefulSet', `data-tier-${c}`).spec;
      expect(p.volumeClaimTemplates, c).toEqual(s.volumeClaimTemplates);
      expect(p.podManagementPolicy, c).toBe(s.podManagementPolicy);
      expect(p.serviceName, c).toBe(s.serviceName);
      expect(p.selector, c).toEqual(s.selector);
    }
  });

  it('claim templates carry no version-dependent labels', () => {
    for (const c of ['postgresql', 'nats']) {
      const labels = claim(defaults, c).metadata.labels as Record<string, string>;
      expect(labels['helm.sh/chart']).toBeUndefined();
      expect(labels['app.kubernetes.io/version']).toBeUndefined();
    }
  });

  it('the NATS JetStream cluster has 3 servers routed to each other in production', () => {
    const prod = byEnv.production ?? [];
    expect(find(prod, 'StatefulSet', 'data-tier-nats').spec.replicas).toBe(3);
    const conf = find(prod, 'ConfigMap', 'data-tier-nats').data['nats.conf'] as string;
    for (const i of [0, 1, 2])
      expect(conf).toContain(`nats://data-tier-nats-${i}.data-tier-nats-headless.kosmos-db.svc.cluster.local:6222`);
    expect(find(byEnv.staging ?? [], 'StatefulSet', 'data-tier-nats').spec.replicas).toBe(1);
    expect(find(byEnv.staging ?? [], 'ConfigMap', 'data-tier-nats').data['nats.conf']).not.toContain('cluster {');
  });

  it('staging has no PDBs, production has one per component', () => {
    expect((byEnv.staging ?? []).filter((o) => o.kind === 'PodDisruptionBudget')).toHaveLength(0);
    expect((byEnv.production ?? []).filter((o) => o.kind === 'PodDisruptionBudget')).toHaveLength(3);
  });

  it('production limits fit the kosmos-db quota (limits 4 CPU / 12Gi), one backup job included', () => {
    let cpu = 0;
    let mem = 0;
    for (const p of workloadPods(byEnv.production ?? [])) {
      const sts = (byEnv.production ?? []).find((o) => `${o.kind}/${o.metadata.name}` === p.owner) as Json;
      const replicas = p.owner.startsWith('StatefulSet/') ? (sts.spec.replicas as number) : 1;
      for (const c of p.spec.containers) {
        cpu += replicas * millicores(c.resources?.limits?.cpu ?? 'NaN');
        mem += replicas * mebibytes(c.resources?.limits?.memory ?? 'NaN');
      }
    }
    expect(cpu).toBeLessThanOrEqual(4000);
    expect(mem).toBeLessThanOrEqual(12 * 1024);
  });
});

describe('data-tier: credentials', () => {
  it('renders no Secret and takes every credential from an existing Secret by reference', () => {
    expect(defaults.filter((o) => o.kind === 'Secret')).toHaveLength(0);
    const want: Record<string, string[]> = {
      postgresql: ['POSTGRES_USER', 'POSTGRES_PASSWORD'],
      dragonfly: ['DFLY_requirepass'],
      nats: ['NATS_USER', 'NATS_PASSWORD'],
    };
    for (const [c, names] of Object.entries(want)) {
      const env = container(find(defaults, 'StatefulSet', `data-tier-${c}`), c).env ?? [];
      for (const n of names) {
        const e = env.find((x) => x.name === n);
        expect(e?.value, `${c} ${n}`).toBeUndefined();
        expect(e?.valueFrom?.secretKeyRef, `${c} ${n}`).toBeDefined();
      }
    }
    for (const p of workloadPods(defaults)) {
      for (const c of allContainers(p.spec)) {
        for (const e of c.env ?? []) {
          if (/PASSWORD|SECRET|requirepass/i.test(e.name)) expect(e.value, `${p.owner} ${e.name}`).toBeUndefined();
        }
      }
    }
  });

  it('refuses to render PostgreSQL without a credentials Secret name', async () => {
    const err = await render([], { 'postgresql.auth.existingSecret': '' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HelmError);
    expect((err as HelmError).stderr).toMatch(/postgresql\/auth\/existingSecret/);
  });
});

describe('data-tier: db-isolation NetworkPolicy', () => {
  it('admits kosmos-core, db-access pods and Prometheus scraping only; egress DNS and the namespace', () => {
    const np = find(defaults, 'NetworkPolicy', 'data-tier-db-isolation');
    expect(np.spec.policyTypes).toEqual(['Ingress', 'Egress']);
    const ingress = np.spec.ingress as Json[];
    const clients = ingress[0]?.from as Json[];
    expect(clients).toContainEqual({
      namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kosmos-core' } },
    });
    expect(clients).toContainEqual({ podSelector: { matchLabels: { 'db-access': 'true' } } });
    const scrape = ingress.find((r) =>
      (r.from as Json[]).some(
        (f) => f.namespaceSelector?.matchLabels?.['kubernetes.io/metadata.name'] === 'kosmos-observability',
      ),
    );
    expect(scrape).toBeDefined();
    expect(((scrape?.ports ?? []) as Json[]).map((p) => p.port).sort()).toEqual([6379, 8222]);
    const namespaces = ingress
      .flatMap((r) => (r.from as Json[]).map((f) => f.namespaceSelector?.matchLabels?.['kubernetes.io/metadata.name']))
      .filter(Boolean);
    expect(namespaces.sort()).toEqual(['kosmos-core', 'kosmos-observability']);
    const dns = (np.spec.egress as Json[])[0];
    expect(dns?.to).toEqual([{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } } }]);
    expect(dns?.ports).toContainEqual({ protocol: 'UDP', port: 53 });
  });
  it.each(envs)(
    'in %s, Langfuse of the observability release may reach PostgreSQL, nothing else of that namespace',
    (env) => {
      const np = find(byEnv[env] ?? [], 'NetworkPolicy', 'data-tier-db-isolation');
      const rule = (np.spec.ingress as Json[]).find((r) =>
        (r.ports as Json[] | undefined)?.some((p) => p.port === 5432),
      );
      expect(rule?.from).toEqual([
        {
          namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kosmos-observability' } },
          podSelector: {
            matchLabels: { 'app.kubernetes.io/instance': 'observability', 'app.kubernetes.io/component': 'langfuse' },
          },
        },
      ]);
    },
  );
});

describe('data-tier: PostgreSQL backup', () => {
  const cron = (objs: KubeObject[]) => find(objs, 'CronJob', 'data-tier-backup');
  const podOf = (objs: KubeObject[]) => cron(objs).spec.jobTemplate.spec.template.spec;

  it('production: daily, 5 days kept (seeds/004), pg_dumpall then an upload to S3 outside the cluster', () => {
    const c = cron(byEnv.production ?? []);
    expect(c.spec.schedule).toBe('0 2 * * *');
    const pod = c.spec.jobTemplate.spec.template;
    expect(pod.metadata.labels['db-access']).toBe('true');
    const [dump] = pod.spec.initContainers as Container[];
    const [upload] = pod.spec.containers as Container[];
    expect(dump?.name).toBe('dump');
    expect(dump?.args?.[0]).toContain('pg_dumpall');
    expect(dump?.env?.find((e) => e.name === 'PGPASSWORD')?.valueFrom?.secretKeyRef).toEqual({
      name: 'kosmos-postgresql-credentials',
      key: 'password',
    });
    expect(upload?.name).toBe('upload');
    const env = Object.fromEntries((upload?.env ?? []).map((e) => [e.name, e]));
    expect(env.RETENTION_DAYS?.value).toBe('5');
    expect(env.RCLONE_S3_ENDPOINT?.value).toBe('https://oss-eu-central-1.aliyuncs.com');
    expect(env.S3_BUCKET?.value).toBe('kosmos-backups-production');
    // credentials by reference only
    expect(env.RCLONE_S3_ACCESS_KEY_ID?.valueFrom?.secretKeyRef).toEqual({
      name: 'kosmos-backup-s3',
      key: 'access-key-id',
    });
    expect(env.RCLONE_S3_SECRET_ACCESS_KEY?.valueFrom?.secretKeyRef).toEqual({
      name: 'kosmos-backup-s3',
      key: 'secret-access-key',
    });
    expect(env.RCLONE_S3_SECRET_ACCESS_KEY?.value).toBeUndefined();
    // nothing stays on the node: a bounded scratch volume, no claim
    const work = (pod.spec.volumes as Json[]).find((v) => v.name === 'work');
    expect(work?.emptyDir).toEqual({ sizeLimit: '8Gi' });
    expect((byEnv.production ?? []).filter((o) => o.kind === 'PersistentVolumeClaim')).toEqual([]);
    // never on PostgreSQL's node, whose disk holds the 50Gi claim
    expect(pod.spec.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution[0]).toEqual({
      topologyKey: 'kubernetes.io/hostname',
      labelSelector: {
        matchLabels: { 'app.kubernetes.io/name': 'data-tier', 'app.kubernetes.io/component': 'postgresql' },
      },
    });
  });

  it('the upload may leave the cluster over HTTPS only, not into the pod and service networks', () => {
    const np = find(byEnv.production ?? [], 'NetworkPolicy', 'data-tier-backup');
    expect(np.spec.podSelector.matchLabels['app.kubernetes.io/component']).toBe('backup');
    expect(np.spec.policyTypes).toEqual(['Egress']);
    expect(np.spec.egress).toEqual([
      {
        to: [{ ipBlock: { cidr: '0.0.0.0/0', except: ['10.42.0.0/16', '10.43.0.0/16'] } }],
        ports: [{ protocol: 'TCP', port: 443 }],
      },
    ]);
    expect((byEnv.dev ?? []).find((o) => o.kind === 'NetworkPolicy' && o.metadata.name === 'data-tier-backup')).toBe(
      undefined,
    );
  });

  it('staging uploads too; only dev (no object storage) keeps dumps on a claim', () => {
    expect((podOf(byEnv.staging ?? []).containers as Container[])[0]?.name).toBe('upload');
    const dev = podOf(byEnv.dev ?? []);
    expect(dev.initContainers).toBeUndefined();
    expect((dev.containers as Container[]).map((c) => c.name)).toEqual(['dump']);
    const pvc = find(byEnv.dev ?? [], 'PersistentVolumeClaim', 'data-tier-backup');
    expect(pvc.metadata.annotations['helm.sh/resource-policy']).toBe('keep');
  });

  it('refuses target s3 without an endpoint or a credentials Secret name', async () => {
    const noEndpoint = await renderRelease({ set: {} }).catch((e: unknown) => e);
    expect((noEndpoint as HelmError).stderr).toMatch(/backup\.s3\.endpoint/);
    const noSecret = await render([], { 'backup.s3.existingSecret': '' }).catch((e: unknown) => e);
    expect((noSecret as HelmError).stderr).toMatch(/backup\.s3\.existingSecret/);
  });

  it('schedule and retention come from values', async () => {
    const objs = await render([], {
      'backup.schedule': '30 3 * * 0',
      'backup.retentionDays': 14,
      'backup.timeZone': 'Europe/Berlin',
    });
    const c = cron(objs);
    expect(c.spec.schedule).toBe('30 3 * * 0');
    expect(c.spec.timeZone).toBe('Europe/Berlin');
    const upload = (c.spec.jobTemplate.spec.template.spec.containers as Container[])[0] as Container;
    expect(upload.env?.find((e) => e.name === 'RETENTION_DAYS')?.value).toBe('14');
  });

  it('target pvc: the dump script deletes dumps older than the retention and keeps the rest', async () => {
    const objs = await render([], { 'backup.target': 'pvc' });
    const dump = (podOf(objs).containers as Container[])[0] as Container;
    expect(dump.command).toEqual(['/bin/sh', '-c']);
    const script = dump.args?.[0] ?? '';
    const dir = mkdtempSync(join(tmpdir(), 'pg-backup-'));
    try {
      const bin = join(dir, 'bin');
      const backups = join(dir, 'backups');
      execFileSync('mkdir', ['-p', bin, backups]);
      // A stand-in pg_dumpall that prints a complete (tiny) cluster dump.
      writeFileSync(join(bin, 'pg_dumpall'), '#!/bin/sh\necho "-- PostgreSQL database cluster dump complete"\n');
      chmodSync(join(bin, 'pg_dumpall'), 0o755);
      const day = 24 * 3600 * 1000;
      const old = (name: string, days: number) => {
        const f = join(backups, name);
        writeFileSync(f, 'old');
        const t = new Date(Date.now() - days * day);
        utimesSync(f, t, t);
      };
      old('kosmos-postgresql-20260101T020000Z.sql.gz', 9);
      old('kosmos-postgresql-20260105T020000Z.sql.gz', 6);
      old('kosmos-postgresql-20260108T020000Z.sql.gz', 4);
      old('kosmos-postgresql-20260111T020000Z.sql.gz', 1);
      old('other-20260101T020000Z.sql.gz', 30); // not ours to delete
      execFileSync('/bin/sh', ['-c', script], {
        env: { PATH: `${bin}:/usr/bin:/bin`, WORK_DIR: backups, BACKUP_NAME: 'kosmos-postgresql', RETENTION_DAYS: '5' },
        stdio: 'pipe',
      });
      const left = readdirSync(backups).sort();
      expect(left).not.toContain('kosmos-postgresql-20260101T020000Z.sql.gz');
      expect(left).not.toContain('kosmos-postgresql-20260105T020000Z.sql.gz');
      expect(left).toContain('kosmos-postgresql-20260108T020000Z.sql.gz');
      expect(left).toContain('kosmos-postgresql-20260111T020000Z.sql.gz');
      expect(left).toContain('other-20260101T020000Z.sql.gz');
      expect(left.filter((f) => /^kosmos-postgresql-\d{8}T\d{6}Z\.sql\.gz$/.test(f))).toHaveLength(3);
      expect(left.some((f) => f.endsWith('.partial'))).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('data-tier: Pod Security restricted', () => {
  it.each(envs)('every pod template of %s passes the restricted checks with a read-only root filesystem', (env) => {
    expect(releaseViolations(byEnv[env] ?? [])).toEqual([]);
  });
  it('with the pvc backup target too', async () => {
    expect(releaseViolations(await render([], { 'backup.target': 'pvc' }))).toEqual([]);
  });
  it('runs each image as its own non-root user', () => {
    const uid = (c: string) => find(defaults, 'StatefulSet', `data-tier-${c}`).spec.template.spec.securityContext;
    expect(uid('postgresql')).toMatchObject({ runAsUser: 70, fsGroup: 70, runAsNonRoot: true });
    expect(uid('dragonfly')).toMatchObject({ runAsUser: 999, fsGroup: 999 });
    expect(uid('nats')).toMatchObject({ runAsUser: 1000, fsGroup: 1000 });
  });
  it('the checker catches a violation', async () => {
    const objs = await render([], { 'postgresql.containerSecurityContext.readOnlyRootFilesystem': false });
    expect(releaseViolations(objs)).toEqual([
      'StatefulSet/data-tier-postgresql: container postgresql has a writable root filesystem',
    ]);
  });
});

describe('data-tier: values.schema.json', () => {
  const rejection = (set: Record<string, string | number | boolean>) => schemaError(() => render([], set));
  it('rejects an unknown key, naming it', async () => {
    const msg = await rejection({ 'postgresql.replicas': 3 });
    expect(msg).toMatch(/\/postgresql.*additional properties 'replicas' not allowed/);
  });
  it('rejects an unknown top-level key, naming it', async () => {
    expect(await rejection({ storage: 'x' })).toMatch(/additional properties 'storage' not allowed/);
  });
  it('rejects a wrong type, naming the key', async () => {
    const msg = await rejection({ 'backup.retentionDays': 'five' });
    expect(msg).toMatch(/\/backup\/retentionDays.*want integer/);
  });
  it('rejects a weakened security context (runAsUser 0)', async () => {
    expect(await rejection({ 'nats.podSecurityContext.runAsUser': 0 })).toMatch(
      /\/nats\/podSecurityContext\/runAsUser/,
    );
  });
  it('accepts global and enabled', async () => {
    await expect(render([], { 'global.anything': 'x', enabled: true })).resolves.toBeDefined();
  });
});
