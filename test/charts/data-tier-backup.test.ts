/**
 * The backup CronJob's scripts as rendered for staging and production: shellcheck-clean, and a
 * real round trip with Debian's PostgreSQL (`postgresql` in .ci/apt-packages): the rendered dump
 * script dumps every database and role of one server, the documented restore command loads the
 * dump into an empty server, and the roles, databases, owners and rows are all there.
 */
import { type SpawnSyncReturns, spawnSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { KubeObject } from '@kosmos/objects';
import { type Controller, startS3Server } from '@kosmos/testkit';
import { ensure } from '@kosmos/toolchain';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDeps, find, type Json, renderer } from './helpers.ts';

const render = renderer('data-tier', 'kosmos-db');
const tmp = mkdtempSync(join(tmpdir(), 'kosmos-backup-'));
chmodSync(tmp, 0o777);
const PG_BIN = '/usr/lib/postgresql/15/bin';

let prod: KubeObject[];
beforeAll(async () => {
  await buildDeps('data-tier');
  prod = await render({ env: 'production' });
}, 120_000);

const servers: string[] = [];
let s3: Controller | undefined;
afterAll(async () => {
  await s3?.stop();
  for (const dir of servers) asPostgres(join(PG_BIN, 'pg_ctl'), ['-D', dir, '-m', 'immediate', 'stop']);
  rmSync(tmp, { recursive: true, force: true });
});

function scripts(objs: KubeObject[]): { dump: string; upload: string } {
  const pod = find(objs, 'CronJob', 'data-tier-backup').spec.jobTemplate.spec.template.spec;
  const script = (c: Json | undefined) => (c?.args as string[] | undefined)?.[0] ?? '';
  return {
    dump: script((pod.initContainers as Json[]).find((c) => c.name === 'dump')),
    upload: script((pod.containers as Json[]).find((c) => c.name === 'upload')),
  };
}

/** Runs a command as the postgres user (PostgreSQL refuses to run as root). */
function asPostgres(
  cmd: string,
  args: string[],
  env: NodeJS.ProcessEnv = {},
  input?: string,
): SpawnSyncReturns<string> {
  const root = process.getuid?.() === 0;
  const envArgs = Object.entries(env).map(([k, v]) => `${k}=${v}`);
  const [c, a] = root
    ? ['runuser', ['-u', 'postgres', '--', 'env', ...envArgs, cmd, ...args]]
    : ['env', [...envArgs, cmd, ...args]];
  return spawnSync(c, a, { encoding: 'utf8', input, timeout: 120_000, env: { PATH: process.env.PATH } });
}

function requirePostgres(): void {
  if (!existsSync(join(PG_BIN, 'initdb')))
    throw new Error(
      `PostgreSQL is not installed (${PG_BIN}): apt-get install -y postgresql (CI installs .ci/apt-packages)`,
    );
}

/** A throwaway server on a Unix socket in `tmp` only. */
function startServer(name: string, port: number): string {
  const dir = join(tmp, name);
  const init = asPostgres(join(PG_BIN, 'initdb'), ['-D', dir, '-U', 'postgres', '--auth=trust', '-E', 'UTF8']);
  expect(init.status, init.stderr).toBe(0);
  const start = asPostgres(join(PG_BIN, 'pg_ctl'), [
    '-D',
    dir,
    '-w',
    '-l',
    join(tmp, `${name}.log`),
    '-o',
    `-k ${tmp} -p ${port} -c listen_addresses=''`,
    'start',
  ]);
  expect(start.status, start.stderr + start.stdout).toBe(0);
  servers.push(dir);
  return dir;
}

function psql(port: number, sql: string, db = 'postgres'): string {
  const r = asPostgres(
    'psql',
    ['-X', '-q', '-At', '-v', 'ON_ERROR_STOP=1', '-h', tmp, '-p', String(port), '-U', 'postgres', '-d', db],
    {},
    sql,
  );
  expect(r.status, r.stderr).toBe(0);
  return r.stdout.trim();
}

/** Roles, two databases with an owner, a grant and rows: what a backup must bring back. */
function seed(a: number): void {
  psql(
    a,
    `CREATE ROLE kosmos_app LOGIN PASSWORD 'app-secret';
       CREATE ROLE kosmos_readonly NOLOGIN;
       CREATE DATABASE kosmos OWNER kosmos_app;
       CREATE DATABASE langfuse;`,
  );
  psql(
    a,
    `SET ROLE kosmos_app;
       CREATE TABLE agents (name text PRIMARY KEY, runs int);
       INSERT INTO agents VALUES ('zeus', 3), ('athena', 2), ('hermes', 1);
       GRANT SELECT ON agents TO kosmos_readonly;`,
    'kosmos',
  );
  psql(a, `CREATE TABLE traces (id int); INSERT INTO traces SELECT generate_series(1, 100);`, 'langfuse');
}

/** Everything `seed` made, in the server at port `b`. */
function expectRestored(b: number): void {
  expect(psql(b, `SELECT rolname, rolcanlogin FROM pg_roles WHERE rolname LIKE 'kosmos%' ORDER BY 1`)).toBe(
    'kosmos_app|t\nkosmos_readonly|f',
  );
  expect(psql(b, `SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = 'kosmos'`)).toBe('kosmos_app');
  expect(psql(b, "SELECT string_agg(name, ',' ORDER BY name) FROM agents", 'kosmos')).toBe('athena,hermes,zeus');
  expect(psql(b, `SELECT has_table_privilege('kosmos_readonly', 'agents', 'SELECT')`, 'kosmos')).toBe('t');
  expect(psql(b, 'SELECT count(*) FROM traces', 'langfuse')).toBe('100');
  // the password came along (its hash, as pg_dumpall writes it)
  expect(psql(b, `SELECT rolpassword IS NOT NULL FROM pg_authid WHERE rolname = 'kosmos_app'`)).toBe('t');
}

describe('data-tier backup scripts', () => {
  it('are shellcheck-clean as rendered (POSIX sh)', () => {
    const s = scripts(prod);
    expect(s.dump).toMatch(/^#!\/bin\/sh\n/);
    expect(s.upload).toMatch(/^#!\/bin\/sh\n/);
    for (const [name, text] of Object.entries(s)) {
      const file = join(tmp, `${name}.sh`);
      writeFileSync(file, text);
      const r = spawnSync('shellcheck', ['--shell=sh', '--severity=style', file], { encoding: 'utf8' });
      if (r.error) throw new Error('shellcheck is not installed: apt-get install -y shellcheck');
      expect(r.stdout + r.stderr, name).toBe('');
      expect(r.status, name).toBe(0);
    }
  });

  it('dump every database and role with pg_dumpall, then upload and prune in the bucket', () => {
    const s = scripts(prod);
    expect(s.dump).toContain('pg_dumpall --no-password');
    expect(s.dump).not.toMatch(/\bpg_dump\b(?!all)/);
    expect(s.upload).toContain('rclone copyto');
    // biome-ignore lint/suspicious/noTemplateCurlyInString: shell parameter expansion, not a JS template
    expect(s.upload).toContain('rclone delete --min-age "${RETENTION_DAYS}d"');
  });

  it('round trip: the rendered dump restores every role, database, owner and row into an empty server', () => {
    requirePostgres();
    const [a, b] = [15432 + (process.pid % 1000), 16432 + (process.pid % 1000)];
    startServer('source', a);
    seed(a);

    const work = join(tmp, 'work');
    asPostgres('mkdir', ['-p', work]);
    const env = {
      PATH: `${PG_BIN}:${process.env.PATH}`,
      PGHOST: tmp,
      PGPORT: String(a),
      PGUSER: 'postgres',
      WORK_DIR: work,
      BACKUP_NAME: 'kosmos-postgresql',
      RETENTION_DAYS: '5',
    };
    const dump = asPostgres('sh', ['-c', scripts(prod).dump], env);
    expect(dump.status, dump.stderr).toBe(0);
    expect(dump.stdout).toMatch(/backup: wrote .*kosmos-postgresql-\d{8}T\d{6}Z\.sql\.gz/);
    const files = readdirSync(work).filter((f) => f.endsWith('.sql.gz'));
    expect(files).toHaveLength(1);
    expect(readdirSync(work).filter((f) => f.includes('partial') || f.startsWith('.'))).toEqual([]);

    // The documented restore (chart README): into an empty server, as its superuser.
    startServer('target', b);
    const restore = asPostgres('sh', [
      '-c',
      `gzip -dc "${join(work, files[0] as string)}" | psql -X -q -h "${tmp}" -p ${b} -U postgres -d postgres -f - 2>&1 | grep -v 'role "postgres" already exists' || true`,
    ]);
    expect(restore.status, restore.stderr).toBe(0);
    expectRestored(b);
  });

  it('S3 round trip: the rendered upload puts the dump into a real S3 API and prunes old dumps; the documented restore fetches it back', async () => {
    requirePostgres();
    const [a, b] = [17432 + (process.pid % 1000), 18432 + (process.pid % 1000)];
    startServer('source-s3', a);
    seed(a);
    const work = join(tmp, 'work-s3');
    asPostgres('mkdir', ['-p', work]);
    const common = { WORK_DIR: work, BACKUP_NAME: 'kosmos-postgresql', RETENTION_DAYS: '5' };
    const dump = asPostgres('sh', ['-c', scripts(prod).dump], {
      PATH: `${PG_BIN}:${process.env.PATH}`,
      PGHOST: tmp,
      PGPORT: String(a),
      PGUSER: 'postgres',
      ...common,
    });
    expect(dump.status, dump.stderr).toBe(0);

    // The upload container's environment as production renders it, but for the endpoint: a real
    // S3 API on loopback (rclone serve s3), addressed by path (no DNS names a bucket on loopback).
    const upload = (
      find(prod, 'CronJob', 'data-tier-backup').spec.jobTemplate.spec.template.spec.containers as Json[]
    ).find((c) => c.name === 'upload') as Json;
    const rendered = Object.fromEntries(
      (upload.env as Json[]).filter((e) => typeof e.value === 'string').map((e) => [e.name, e.value as string]),
    );
    expect(rendered).toMatchObject({
      S3_BUCKET: 'kosmos-backups-production',
      S3_PREFIX: 'postgresql',
      RCLONE_S3_PROVIDER: 'Alibaba',
    });
    const keys = { accessKeyId: 'kosmos-backup-test', secretAccessKey: `s3-${process.pid}-${Date.now()}` };
    const store = join(tmp, 's3');
    const bucket = join(store, rendered.S3_BUCKET as string, rendered.S3_PREFIX as string);
    // The bucket exists (the job does not create it), with an expired dump and an unrelated object.
    mkdirSync(bucket, { recursive: true });
    const expired = join(bucket, 'kosmos-postgresql-20261001T020000Z.sql.gz');
    writeFileSync(expired, 'old');
    const tenDaysAgo = new Date(Date.now() - 10 * 86_400_000);
    utimesSync(expired, tenDaysAgo, tenDaysAgo);
    writeFileSync(join(bucket, 'README.txt'), 'not a dump');
    utimesSync(join(bucket, 'README.txt'), tenDaysAgo, tenDaysAgo);
    const server = await startS3Server({ dir: store, ...keys });
    s3 = server;
    const rclone = await ensure('rclone');

    // The rendered upload script as the job runs it, against the loopback server, by path.
    const runUpload = (secretAccessKey: string, extra: Record<string, string> = {}) =>
      spawnSync('sh', ['-c', scripts(prod).upload], {
        encoding: 'utf8',
        timeout: 120_000,
        env: {
          PATH: `${dirname(rclone)}:${process.env.PATH}`,
          ...rendered,
          ...common,
          RCLONE_S3_ENDPOINT: server.endpoint,
          RCLONE_S3_FORCE_PATH_STYLE: 'true',
          RCLONE_S3_ACCESS_KEY_ID: keys.accessKeyId,
          RCLONE_S3_SECRET_ACCESS_KEY: secretAccessKey,
          RCLONE_CONFIG: join(tmp, 'rclone.conf'),
          ...extra,
        },
      });
    const up = runUpload(keys.secretAccessKey);
    expect(up.status, up.stdout + up.stderr).toBe(0);
    const [name] = readdirSync(work).filter((f) => f.endsWith('.sql.gz'));
    expect(up.stdout).toContain(`backup: uploaded ${name} to kosmos-backups-production/postgresql/`);
    expect(up.stdout).toContain('backup: 1 dump(s) in the bucket, retention 5 day(s)');
    // in the store: the new dump, byte for byte; the expired one gone; the unrelated object kept
    expect(readdirSync(bucket).sort()).toEqual(['README.txt', name].sort());
    expect(readFileSync(join(bucket, name as string)).equals(readFileSync(join(work, name as string)))).toBe(true);

    // The documented restore, step 1 (chart README) against the same server, then into an empty one.
    const fetched = join(tmp, 'fetched.sql.gz');
    const get = spawnSync(
      rclone,
      [
        'copyto',
        `:s3:${rendered.S3_BUCKET}/${rendered.S3_PREFIX}/${name}`,
        fetched,
        `--s3-provider=${rendered.RCLONE_S3_PROVIDER}`,
        `--s3-endpoint=${server.endpoint}`,
        '--s3-force-path-style=true',
        `--s3-access-key-id=${keys.accessKeyId}`,
        `--s3-secret-access-key=${keys.secretAccessKey}`,
        `--config=${join(tmp, 'rclone.conf')}`,
      ],
      { encoding: 'utf8', timeout: 60_000 },
    );
    expect(get.status, get.stderr).toBe(0);
    chmodSync(fetched, 0o644);
    startServer('target-s3', b);
    const restore = asPostgres('sh', [
      '-c',
      `gzip -dc "${fetched}" | psql -X -q -h "${tmp}" -p ${b} -U postgres -d postgres -f - 2>&1 | grep -v 'role "postgres" already exists' || true`,
    ]);
    expect(restore.status, restore.stderr).toBe(0);
    expectRestored(b);

    // and the bucket's keys matter: a wrong secret is refused, nothing uploaded
    const refused = runUpload('wrong', { RCLONE_RETRIES: '1', RCLONE_LOW_LEVEL_RETRIES: '1' });
    expect(refused.status).not.toBe(0);
    expect(refused.stdout).not.toContain('backup: uploaded');
  }, 300_000);

  it('fails, leaving no dump behind, when the server cannot be dumped', () => {
    requirePostgres();
    const work = join(tmp, 'work-failed');
    asPostgres('mkdir', ['-p', work]);
    const r = asPostgres('sh', ['-c', scripts(prod).dump], {
      PATH: `${PG_BIN}:${process.env.PATH}`,
      PGHOST: tmp,
      PGPORT: '1', // nothing listens there
      PGUSER: 'postgres',
      WORK_DIR: work,
      BACKUP_NAME: 'kosmos-postgresql',
      RETENTION_DAYS: '5',
    });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/backup: pg_dumpall failed/);
    expect(readdirSync(work).filter((f) => f.endsWith('.sql.gz'))).toEqual([]);
  });
});
