import { createServer, request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type InClusterProxy, inClusterProxy } from '../src/proxy.ts';

/** A GET through an HTTP forward proxy, the way Go's ProxyFromEnvironment sends it. */
function viaProxy(proxy: string, url: string): Promise<{ status: number; body: string }> {
  const p = new URL(proxy);
  return new Promise((resolve, reject) => {
    const req = request(
      { host: p.hostname, port: p.port, path: url, method: 'GET', headers: { host: new URL(url).host } },
      (res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

let upstream: ReturnType<typeof createServer>;
let upstreamAddr = '';
let proxy: InClusterProxy;

beforeAll(async () => {
  upstream = createServer((req, res) => res.end(`upstream saw ${req.url}`));
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', () => r()));
  const a = upstream.address();
  upstreamAddr = `127.0.0.1:${typeof a === 'object' && a ? a.port : 0}`;
  proxy = await inClusterProxy({ 'prom.mon.svc.cluster.local:9090': upstreamAddr });
});

afterAll(async () => {
  await proxy.close();
  await new Promise((r) => upstream.close(r));
});

describe('inClusterProxy', () => {
  it('answers a mapped in-cluster name from its loopback address, path and query kept', async () => {
    const r = await viaProxy(proxy.url, 'http://prom.mon.svc.cluster.local:9090/api/v1/query?query=up');
    expect(r).toEqual({ status: 200, body: 'upstream saw /api/v1/query?query=up' });
    expect(proxy.seen).toContain('prom.mon.svc.cluster.local:9090/api/v1/query');
  });

  it('refuses names it has no mapping for, saying which', async () => {
    const r = await viaProxy(proxy.url, 'http://prometheus.elsewhere.svc.cluster.local:9090/');
    expect(r.status).toBe(502);
    expect(r.body).toContain('no in-cluster mapping for prometheus.elsewhere.svc.cluster.local:9090');
  });

  it('takes new mappings while running', async () => {
    proxy.map('late.ns.svc.cluster.local:80', upstreamAddr);
    expect((await viaProxy(proxy.url, 'http://late.ns.svc.cluster.local/x')).body).toBe('upstream saw /x');
  });
});
