/**
 * The backup CronJob's scripts as rendered for staging and production: shellcheck-clean, and a
 * real round trip with Debian's PostgreSQL (`postgresql` in .ci/apt-packages): the rendered dump
 * script dumps every database and role of one server, the documented restore command loads the
 * dump into an empty server, and the roles, databases, owners and rows are all there.
 */
import { type SpawnSyncReturns, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KubeObject } from '@kosmos/objects';
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
afterAll(() => {
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
    expect(psql(b, `SELECT rolname, rolcanlogin FROM pg_roles WHERE rolname LIKE 'kosmos%' ORDER BY 1`)).toBe(
      'kosmos_app|t\nkosmos_readonly|f',
    );
    expect(psql(b, `SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = 'kosmos'`)).toBe('kosmos_app');
    expect(psql(b, "SELECT string_agg(name, ',' ORDER BY name) FROM agents", 'kosmos')).toBe('athena,hermes,zeus');
    expect(psql(b, `SELECT has_table_privilege('kosmos_readonly', 'agents', 'SELECT')`, 'kosmos')).toBe('t');
    expect(psql(b, 'SELECT count(*) FROM traces', 'langfuse')).toBe('100');
    // the password came along (its hash, as pg_dumpall writes it)
    expect(psql(b, `SELECT rolpassword IS NOT NULL FROM pg_authid WHERE rolname = 'kosmos_app'`)).toBe('t');
  });

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
