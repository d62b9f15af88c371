import { createServer, request } from 'node:http';

/**
 * An HTTP forward proxy on loopback that gives a controller running on the host the in-cluster
 * names our charts use: `http://observability-prometheus.kosmos-observability.svc.cluster.local:9090`
 * is answered by whatever loopback address the test maps it to. The controller gets it as
 * `HTTP_PROXY` (Go's and most clients' convention), so neither the chart's address nor the
 * machine's /etc/hosts changes. Names not in the map get 502 with the reason, which the
 * controller then reports as it would an unreachable Service.
 */
export interface InClusterProxy {
  /** `http://127.0.0.1:PORT`, for HTTP_PROXY. */
  url: string;
  /** Requests seen, as `host:port/path`, for assertions. */
  seen: string[];
  /** Adds or replaces a mapping `host:port` -> `127.0.0.1:PORT`. */
  map(from: string, to: string): void;
  close(): Promise<void>;
}

export async function inClusterProxy(routes: Record<string, string> = {}): Promise<InClusterProxy> {
  const table = new Map(Object.entries(routes));
  const seen: string[] = [];
  const server = createServer((req, res) => {
    let target: URL;
    try {
      target = new URL(req.url ?? '');
    } catch {
      res.writeHead(400).end('absolute URL expected (this is a forward proxy)\n');
      return;
    }
    const hostPort = `${target.hostname}:${target.port || '80'}`;
    seen.push(`${hostPort}${target.pathname}`);
    const to = table.get(hostPort);
    if (!to) {
      res.writeHead(502).end(`no in-cluster mapping for ${hostPort}\n`);
      return;
    }
    const [host, port] = to.split(':');
    const up = request(
      {
        host,
        port: Number(port),
        method: req.method,
        path: `${target.pathname}${target.search}`,
        headers: req.headers,
      },
      (r) => {
        res.writeHead(r.statusCode ?? 502, r.headers);
        r.pipe(res);
      },
    );
    up.on('error', (e) => {
      if (!res.headersSent) res.writeHead(502);
      res.end(`${hostPort} -> ${to}: ${e.message}\n`);
    });
    req.pipe(up);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    map: (from, to) => table.set(from, to),
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
