import { X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { generatePki } from '../src/pki.ts';

describe('generatePki', () => {
  it('issues a serving cert with the SANs and an admin client cert, both chained to the CA', async () => {
    const pki = await generatePki({
      dnsNames: ['localhost', 'kubernetes.default.svc'],
      ips: ['127.0.0.1', '10.43.0.1'],
    });
    const ca = new X509Certificate(pki.ca.cert);
    const server = new X509Certificate(pki.apiserver.cert);
    const admin = new X509Certificate(pki.admin.cert);
    expect(ca.ca).toBe(true);
    for (const leaf of [server, admin]) {
      expect(leaf.checkIssued(ca)).toBe(true);
      expect(leaf.verify(ca.publicKey)).toBe(true);
      expect(leaf.ca).toBe(false);
    }
    expect(server.subjectAltName).toContain('IP Address:127.0.0.1');
    expect(server.subjectAltName).toContain('IP Address:10.43.0.1');
    expect(server.subjectAltName).toContain('DNS:kubernetes.default.svc');
    expect(server.checkHost('localhost')).toBe('localhost');
    // kube-apiserver maps O= to groups: system:masters makes it cluster admin.
    expect(admin.subject).toContain('O=system:masters');
    expect(pki.serviceAccount.key).toContain('BEGIN PRIVATE KEY');
    expect(pki.serviceAccount.pub).toContain('BEGIN PUBLIC KEY');
  });
});
