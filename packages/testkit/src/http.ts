import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';

export interface TlsFiles {
  ca: string;
  cert: string;
  key: string;
}

/** GET a URL and return status and body; TLS material as PEM text for the API server. */
export function get(url: string, tls?: TlsFiles, timeoutMs = 3000): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const req = (u.protocol === 'https:' ? httpsRequest : httpRequest)(
      u,
      { method: 'GET', timeout: timeoutMs, ...(tls ? { ca: tls.ca, cert: tls.cert, key: tls.key } : {}) },
      (res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('timeout', () => req.destroy(new Error(`GET ${url} timed out`)));
    req.on('error', reject);
    req.end();
  });
}
