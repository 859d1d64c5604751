import './reflect-metadata.js';
import { webcrypto, type webcrypto as WebCrypto } from 'node:crypto';
import tls from 'node:tls';
import * as x509 from '@peculiar/x509';

export interface TestTls {
  caPem: string;
  certPem: string;
  keyPem: string;
}

let cached: Promise<TestTls> | undefined;

const toPem = (der: ArrayBuffer, label: string): string =>
  `-----BEGIN ${label}-----\n${Buffer.from(der)
    .toString('base64')
    .replace(/(.{64})/g, '$1\n')
    .trim()}\n-----END ${label}-----\n`;

/**
 * A throwaway CA and a server certificate for 127.0.0.1, ::1 and localhost, made once per process,
 * with the CA trusted in-process (Node 24 `tls.setDefaultCACertificates`).
 */
export function testTls(): Promise<TestTls> {
  cached ??= make();
  return cached;
}

async function make(): Promise<TestTls> {
  x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);
  const alg = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
  const caKeys = await webcrypto.subtle.generateKey(alg, true, ['sign', 'verify']);
  const notBefore = new Date(Date.now() - 60_000);
  const notAfter = new Date(Date.now() + 24 * 3600_000);
  const ca = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: '01',
    name: 'CN=baton-entra test CA',
    notBefore,
    notAfter,
    keys: caKeys as WebCrypto.CryptoKeyPair,
    signingAlgorithm: alg,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign, true),
    ],
  });
  const keys = await webcrypto.subtle.generateKey(alg, true, ['sign', 'verify']);
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: '02',
    subject: 'CN=localhost',
    issuer: ca.subject,
    notBefore,
    notAfter,
    signingAlgorithm: alg,
    publicKey: (keys as WebCrypto.CryptoKeyPair).publicKey,
    signingKey: (caKeys as WebCrypto.CryptoKeyPair).privateKey,
    extensions: [
      new x509.SubjectAlternativeNameExtension([
        { type: 'dns', value: 'localhost' },
        { type: 'ip', value: '127.0.0.1' },
        { type: 'ip', value: '::1' },
      ]),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
    ],
  });
  const caPem = ca.toString('pem');
  const keyPem = toPem(
    await webcrypto.subtle.exportKey('pkcs8', (keys as WebCrypto.CryptoKeyPair).privateKey),
    'PRIVATE KEY',
  );
  tls.setDefaultCACertificates([...tls.getCACertificates('default'), caPem]);
  return { caPem, certPem: cert.toString('pem'), keyPem };
}
