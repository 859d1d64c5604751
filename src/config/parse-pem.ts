/**
 * PEM settings, parsed at start: a CA or client certificate that does not parse would otherwise
 * only fail at the first TLS handshake, as endless reconnects. Messages never quote the value (a
 * private key is secret).
 */
import { createPrivateKey, X509Certificate } from 'node:crypto';

const CERT_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/** One or more PEM certificates (a bundle is allowed); each one must parse as X.509. */
export function parsePemCertificates(input: string): string {
  const blocks = input.match(CERT_BLOCK) ?? [];
  if (blocks.length === 0)
    throw new Error('expected a PEM certificate (-----BEGIN CERTIFICATE----- … -----END CERTIFICATE-----)');
  blocks.forEach((block, i) => {
    try {
      new X509Certificate(block);
    } catch {
      throw new Error(`expected a PEM certificate; certificate ${i + 1} of ${blocks.length} does not parse`);
    }
  });
  return input;
}

/** An unencrypted PEM private key (PKCS#8, PKCS#1 or SEC1). */
export function parsePemPrivateKey(input: string): string {
  if (!/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(input))
    throw new Error('expected a PEM private key (-----BEGIN PRIVATE KEY----- …)');
  try {
    createPrivateKey(input);
  } catch {
    throw new Error('expected an unencrypted PEM private key; this one does not parse');
  }
  return input;
}
