import { createHash, webcrypto } from 'node:crypto';
import '../../../src/simulator/reflect-metadata.js';
import * as x509 from '@peculiar/x509';

const RSA = {
  name: 'RSASSA-PKCS1-v1_5',
  modulusLength: 2048,
  publicExponent: new Uint8Array([1, 0, 1]),
  hash: 'SHA-256',
} as const;

export interface ClientCert {
  certPem: string;
  keyPem: string;
  /** Certificate and key in one PEM, as ClientCertificateCredential takes it. */
  combinedPem: string;
  x5t: string;
  x5tS256: string;
}

/** A self-signed RSA client certificate, as an app registration would hold. */
export async function clientCertificate(cn = 'client'): Promise<ClientCert> {
  const keys = await webcrypto.subtle.generateKey(RSA, true, ['sign', 'verify']);
  const cert = await x509.X509CertificateGenerator.createSelfSigned(
    {
      name: `CN=${cn}`,
      keys,
      signingAlgorithm: RSA,
      notBefore: new Date(Date.now() - 3600_000),
      notAfter: new Date(Date.now() + 86400_000),
    },
    webcrypto as never,
  );
  const der = Buffer.from(cert.rawData);
  const b64 = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey))
    .toString('base64')
    .replace(/.{64}/g, '$&\n');
  const keyPem = `-----BEGIN PRIVATE KEY-----\n${b64.replace(/\n$/, '')}\n-----END PRIVATE KEY-----\n`;
  const certPem = cert.toString('pem') + '\n';
  return {
    certPem,
    keyPem,
    combinedPem: keyPem + certPem,
    x5t: createHash('sha1').update(der).digest('base64url'),
    x5tS256: createHash('sha256').update(der).digest('base64url'),
  };
}
