/**
 * Helpers of the real-controller tests: releases of our charts installed into a namespace of the
 * test's own (the platform's namespaces belong to install.cluster.test.ts, which runs in
 * parallel), a watch that records every change of an object, and a fake Traefik metrics
 * endpoint for a real Prometheus to scrape.
 */
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { prepareChart } from '@kosmos/helm';
import type { LocalEnv } from '@kosmos/testkit/vitest';
import { root } from '../charts/helpers.ts';
import { type Kube, kube } from '../charts/install-helpers.ts';

export { type Kube, kube };

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** `helm upgrade --install` of a chart of this repository, waiting for nothing. */
export async function install(
  kc: Kube,
  o: { release: string; chart: string; namespace: string; values?: string[]; set?: string[] },
): Promise<string> {
  const dir = join(root, 'charts', o.chart);
  await prepareChart(dir);
  const args = [
    'upgrade',
    '--install',
    o.release,
    dir,
    '-n',
    o.namespace,
    '--create-namespace',
    ...(o.values ?? []).flatMap((v) => ['-f', v]),
    ...(o.set ?? []).flatMap((s) => ['--set', s]),
    '--timeout',
    '3m',
  ];
  try {
    return (await kc.helm(args)).stdout;
  } catch (e) {
    const err = e as Error & { stderr?: string };
    throw new Error(`helm ${args.slice(0, 4).join(' ')} failed: ${err.stderr ?? err.message}`);
  }
}

export const envValues = (env: string, release: string) => join(root, 'environments', env, 'values', `${release}.yaml`);
export const testValues = (name: string) => join(import.meta.dirname, 'values', name);

/** Deletes a namespace of a test and waits until it is gone. */
export async function dropNamespace(kc: Kube, ns: string): Promise<void> {
  await kc.k(['delete', 'namespace', ns, '--ignore-not-found', '--wait=true', '--timeout=120s']);
}

/**
 * Every state an object goes through, as `kubectl get --watch` reports it (a poll could miss a
 * step that lasts less than its period). `jsonpath` picks what to record per event.
 */
export interface Recorder {
  lines: string[];
  stop(): void;
}
export function watchField(cluster: LocalEnv, args: string[], jsonpath: string): Recorder {
  const child = spawn(
    cluster.kubectl,
    ['--kubeconfig', cluster.kubeconfig, 'get', ...args, '--watch', '-o', `jsonpath=${jsonpath}{"\\n"}`],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const lines: string[] = [];
  let buf = '';
  child.stdout.on('data', (d: Buffer) => {
    buf += d.toString();
    const parts = buf.split('\n');
    buf = parts.pop() ?? '';
    for (const l of parts) if (l.trim() && lines[lines.length - 1] !== l.trim()) lines.push(l.trim());
  });
  return { lines, stop: () => child.kill('SIGTERM') };
}

/** Polls until `check` returns undefined (done) or fails at the deadline with its last answer and `context`. */
export async function until(
  what: string,
  check: () => Promise<string | undefined>,
  timeoutMs: number,
  context: () => Promise<string> = async () => '',
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let why: string | undefined;
  for (;;) {
    try {
      why = await check();
    } catch (e) {
      why = (e as Error).message;
    }
    if (why === undefined) return;
    if (Date.now() > deadline)
      throw new Error(
        `timed out after ${Math.round(timeoutMs / 1000)}s waiting for ${what}: ${why}\n${await context()}`,
      );
    await sleep(1000);
  }
}

/**
 * A Traefik metrics endpoint for one service, as Traefik names it in `traefik_service_requests_total`
 * (`<namespace>-<service>-<port>@kubernetescrd`). Every scrape adds requests: all answered 200
 * while `healthy`, mostly 500 otherwise. A real Prometheus scrapes it, so the canary analysis
 * runs its real query against real samples.
 */
export interface FakeTraefikMetrics {
  target: string;
  setHealthy(ok: boolean): void;
  close(): Promise<void>;
}
export async function fakeTraefikMetrics(services: string[]): Promise<FakeTraefikMetrics> {
  let healthy = true;
  const counts = new Map<string, { ok: number; failed: number }>(services.map((s) => [s, { ok: 0, failed: 0 }]));
  const server = createServer((req, res) => {
    if (req.url !== '/metrics') {
      res.writeHead(404).end();
      return;
    }
    const lines = ['# TYPE traefik_service_requests_total counter'];
    for (const [service, c] of counts) {
      if (healthy) c.ok += 20;
      else {
        c.ok += 1;
        c.failed += 50;
      }
      const l = (code: number) => `code="${code}",method="GET",protocol="http",service="${service}"`;
      lines.push(
        `traefik_service_requests_total{${l(200)}} ${c.ok}`,
        `traefik_service_requests_total{${l(500)}} ${c.failed}`,
      );
    }
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(`${lines.join('\n')}\n`);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const a = server.address();
  const port = typeof a === 'object' && a ? a.port : 0;
  return {
    target: `127.0.0.1:${port}`,
    setHealthy: (ok) => {
      healthy = ok;
    },
    close: () =>
      new Promise((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
