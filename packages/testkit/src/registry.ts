import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ensure } from '@kosmos/toolchain';
import { stringify } from 'yaml';
import { type DaemonRecord, startDaemon } from './daemon.ts';
import { get } from './http.ts';
import { freePorts } from './ports.ts';
import { waitFor } from './wait.ts';

export interface RegistryInfo {
  /** `127.0.0.1:PORT`, as helm wants it after `oci://`. */
  host: string;
  daemon: DaemonRecord;
}

/**
 * A CNCF distribution registry on loopback, plain HTTP (helm talks to it with --plain-http).
 * Its storage lives in `dataDir` and survives restarts: published charts stay published.
 */
export async function startRegistry(o: {
  dir: string;
  dataDir: string;
  log: (l: string) => void;
  timeoutMs?: number;
}): Promise<RegistryInfo> {
  const bin = await ensure('registry', { log: o.log });
  await mkdir(o.dataDir, { recursive: true });
  await mkdir(join(o.dir, 'logs'), { recursive: true });
  const [port] = (await freePorts(1)) as [number];
  const config = join(o.dir, 'registry.yml');
  await writeFile(
    config,
    stringify({
      version: 0.1,
      log: { level: 'warn', accesslog: { disabled: true } },
      storage: { filesystem: { rootdirectory: o.dataDir }, delete: { enabled: false } },
      http: { addr: `127.0.0.1:${port}` },
    }),
  );
  o.log('starting OCI registry');
  const daemon = startDaemon({
    name: 'registry',
    bin,
    args: ['serve', config],
    log: join(o.dir, 'logs', 'registry.log'),
    cwd: o.dir,
  });
  const host = `127.0.0.1:${port}`;
  await waitFor('the registry /v2/', async () => (await get(`http://${host}/v2/`)).status === 200, {
    timeoutMs: o.timeoutMs ?? 30_000,
    daemon,
  });
  return { host, daemon };
}
