import { webcrypto } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import './reflect-metadata.js';
import * as x509 from '@peculiar/x509';

/**
 * The simulator's own TLS material: a throw-away CA and a server certificate it signs. Clients
 * must speak HTTPS to an Entra authority (MSAL refuses an http authority: `authority_uri_insecure`),
 * so the simulator serves TLS and tells callers which CA to trust.
 */
export interface TlsMaterial {
  caCertPem: string;
  certPem: string;
  keyPem: string;
  caCertPath: string;
}

const crypto = webcrypto;
x509.cryptoProvider.set(crypto as never);

const EC = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const SIGN = { name: 'ECDSA', hash: 'SHA-256' } as const;

interface Ca {
  cert: x509.X509Certificate;
  keys: CryptoKeyPair;
  pem: string;
  keyPem: string;
}

interface CryptoKeyPair {
  privateKey: webcrypto.CryptoKey;
  publicKey: webcrypto.CryptoKey;
}

/**
 * The CA already in `stateDir`, when it is still valid for a day: a restarted simulator keeps the
 * CA its clients were told to trust (NODE_EXTRA_CA_CERTS is read once, at their start).
 */
async function existingCa(stateDir: string, now: Date): Promise<Ca | undefined> {
  try {
    const [pem, keyPem] = await Promise.all([
      readFile(join(stateDir, 'ca.pem'), 'utf8'),
      readFile(join(stateDir, 'ca-key.pem'), 'utf8'),
    ]);
    const cert = new x509.X509Certificate(pem);
    if (cert.notAfter.getTime() < now.getTime() + 24 * 60 * 60 * 1000) return undefined;
    const der = Buffer.from(keyPem.replace(/-----[^-]+-----|\s/g, ''), 'base64');
    const privateKey = await crypto.subtle.importKey('pkcs8', der, EC, true, ['sign']);
    const publicKey = await cert.publicKey.export(EC, ['verify'], crypto as never);
    return { cert, keys: { privateKey, publicKey } as CryptoKeyPair, pem, keyPem };
  } catch {
    return undefined;
  }
}

async function newCa(now: Date): Promise<Ca> {
  const caKeys = (await crypto.subtle.generateKey(EC, true, ['sign', 'verify'])) as CryptoKeyPair;
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomSerial(),
    name: 'CN=baton-entra simulator CA',
    notBefore: new Date(now.getTime() - 60 * 60 * 1000),
    notAfter: new Date(now.getTime() + 365 * 24 * 60 * 60 * 1000),
    signingAlgorithm: SIGN,
    keys: caKeys as never,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(caKeys.publicKey as never),
    ],
  });
  const keyPem = toPem('PRIVATE KEY', await crypto.subtle.exportKey('pkcs8', caKeys.privateKey));
  return { cert, keys: caKeys, pem: cert.toString('pem') + '\n', keyPem };
}

/**
 * Creates (or, from `stateDir`, reuses) a CA and issues a server certificate for
 * localhost/127.0.0.1/::1; writes them to `stateDir`.
 */
export async function createTlsMaterial(stateDir: string, now: Date): Promise<TlsMaterial> {
  const notBefore = new Date(now.getTime() - 60 * 60 * 1000);
  const notAfter = new Date(now.getTime() + 365 * 24 * 60 * 60 * 1000);
  const authority = (await existingCa(stateDir, now)) ?? (await newCa(now));
  const ca = authority.cert;
  const caKeys = authority.keys;
  const serverKeys = await crypto.subtle.generateKey(EC, true, ['sign', 'verify']);
  const server = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerial(),
    subject: 'CN=localhost',
    issuer: ca.subject,
    notBefore,
    notAfter,
    signingAlgorithm: SIGN,
    publicKey: serverKeys.publicKey,
    signingKey: caKeys.privateKey,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(
        x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyAgreement,
        true,
      ),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension([
        { type: 'dns', value: 'localhost' },
        { type: 'ip', value: '127.0.0.1' },
        { type: 'ip', value: '::1' },
      ]),
      await x509.AuthorityKeyIdentifierExtension.create(caKeys.publicKey),
    ],
  });
  const keyPem = toPem('PRIVATE KEY', await crypto.subtle.exportKey('pkcs8', serverKeys.privateKey));
  const material: TlsMaterial = {
    caCertPem: authority.pem,
    certPem: server.toString('pem') + '\n',
    keyPem,
    caCertPath: join(stateDir, 'ca.pem'),
  };
  await mkdir(stateDir, { recursive: true });
  await writeAtomic(material.caCertPath, material.caCertPem, 0o644);
  await writeAtomic(join(stateDir, 'server.pem'), material.certPem, 0o644);
  await writeAtomic(join(stateDir, 'server-key.pem'), keyPem, 0o600);
  await writeAtomic(join(stateDir, 'ca-key.pem'), authority.keyPem, 0o600);
  return material;
}

function randomSerial(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[0] = (bytes[0] ?? 0) & 0x7f; // positive INTEGER
  return Buffer.from(bytes).toString('hex');
}

function toPem(label: string, der: ArrayBuffer): string {
  const b64 = Buffer.from(der).toString('base64').replace(/.{64}/g, '$&\n');
  return `-----BEGIN ${label}-----\n${b64.replace(/\n$/, '')}\n-----END ${label}-----\n`;
}

async function writeAtomic(path: string, data: string, mode: number): Promise<void> {
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, data, { mode });
  await rename(tmp, path);
}
