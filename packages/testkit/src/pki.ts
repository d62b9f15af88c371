// @peculiar/x509 resolves its ASN.1 schemas through tsyringe, which needs this polyfill.
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';

type CryptoKeyPair = webcrypto.CryptoKeyPair;

import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;

export interface KeyPairPem {
  key: string;
  pub: string;
}
export interface CertPem {
  cert: string;
  key: string;
}

/** Everything TLS the local cluster needs, as PEM text. */
export interface Pki {
  ca: CertPem;
  apiserver: CertPem;
  admin: CertPem;
  serviceAccount: KeyPairPem;
}

function pem(label: string, der: ArrayBuffer): string {
  const b64 = Buffer.from(der)
    .toString('base64')
    .replace(/(.{64})/g, '$1\n')
    .trimEnd();
  return `-----BEGIN ${label}-----\n${b64}\n-----END ${label}-----\n`;
}

async function keyPair(): Promise<CryptoKeyPair> {
  return (await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify'])) as CryptoKeyPair;
}

async function privatePem(k: CryptoKeyPair): Promise<string> {
  return pem('PRIVATE KEY', await webcrypto.subtle.exportKey('pkcs8', k.privateKey));
}

function serial(): string {
  return Buffer.from(webcrypto.getRandomValues(new Uint8Array(8)))
    .toString('hex')
    .replace(/^[89a-f]/, '1');
}

export interface PkiOptions {
  /** SANs of the API server certificate. */
  dnsNames: string[];
  ips: string[];
  /** Validity; the local cluster is short-lived, a year is plenty. */
  days?: number;
}

/** A throwaway CA with a serving cert, an admin client cert (system:masters) and the SA key. */
export async function generatePki(o: PkiOptions): Promise<Pki> {
  const notBefore = new Date(Date.now() - 60_000);
  const notAfter = new Date(Date.now() + (o.days ?? 365) * 86_400_000);
  const caKeys = await keyPair();
  const ca = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: 'CN=kosmos-local-ca',
    notBefore,
    notAfter,
    signingAlgorithm: ALG,
    keys: caKeys,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(caKeys.publicKey),
    ],
  });
  const leaf = async (subject: string, usage: string, san?: x509.JsonGeneralNames): Promise<CertPem> => {
    const keys = await keyPair();
    const cert = await x509.X509CertificateGenerator.create({
      serialNumber: serial(),
      subject,
      issuer: ca.subject,
      notBefore,
      notAfter,
      signingAlgorithm: ALG,
      publicKey: keys.publicKey,
      signingKey: caKeys.privateKey,
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
        new x509.ExtendedKeyUsageExtension([usage]),
        ...(san ? [new x509.SubjectAlternativeNameExtension(san)] : []),
      ],
    });
    return { cert: cert.toString('pem'), key: await privatePem(keys) };
  };
  const sa = await keyPair();
  return {
    ca: { cert: ca.toString('pem'), key: await privatePem(caKeys) },
    apiserver: await leaf('CN=kube-apiserver', x509.ExtendedKeyUsage.serverAuth, [
      ...o.dnsNames.map((value) => ({ type: 'dns' as const, value })),
      ...o.ips.map((value) => ({ type: 'ip' as const, value })),
    ]),
    admin: await leaf('CN=kosmos-admin, O=system:masters', x509.ExtendedKeyUsage.clientAuth),
    serviceAccount: {
      key: await privatePem(sa),
      pub: pem('PUBLIC KEY', await webcrypto.subtle.exportKey('spki', sa.publicKey)),
    },
  };
}
