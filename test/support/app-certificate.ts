import './reflect-metadata.js';
import { generateKeyPairSync, webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

/** A self-signed RSA certificate and its PKCS#8 key, as an app registration's certificate credential. */
export async function rsaCertificate(): Promise<{ certPem: string; keyPem: string }> {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const alg = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' };
  const keys = {
    privateKey: await webcrypto.subtle.importKey(
      'pkcs8',
      privateKey.export({ type: 'pkcs8', format: 'der' }),
      alg,
      true,
      ['sign'],
    ),
    publicKey: await webcrypto.subtle.importKey(
      'spki',
      publicKey.export({ type: 'spki', format: 'der' }),
      alg,
      true,
      ['verify'],
    ),
  };
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: '03',
    name: 'CN=baton-entra app',
    notBefore: new Date(Date.now() - 60_000),
    notAfter: new Date(Date.now() + 3600_000),
    keys: keys as never,
    signingAlgorithm: alg,
  });
  return {
    certPem: cert.toString('pem'),
    keyPem: String(privateKey.export({ type: 'pkcs8', format: 'pem' })),
  };
}
