import { randomUUID } from 'node:crypto';
import { importJWK, SignJWT, type CryptoKey } from 'jose';
import { decodeClientSecret } from '../../config/client-secret.js';

/** The audience every control plane checks. */
export const CONTROL_PLANE_AUDIENCE = 'urn:baton-entra:control-plane';
const TOKEN_LIFETIME_S = 120;

export class CredentialError extends Error {}

/**
 * Reads BATON_CLIENT_SECRET (format: src/config/client-secret.ts, checked at start) into a signing
 * key. The private key never leaves the process: each call carries a 2-minute EdDSA JWT instead
 * (iss = sub = client id, aud = control plane).
 */
export async function parseClientSecret(secret: string): Promise<CryptoKey> {
  let jwk: ReturnType<typeof decodeClientSecret>;
  try {
    jwk = decodeClientSecret(secret);
  } catch (err) {
    throw new CredentialError(`BATON_CLIENT_SECRET: ${(err as Error).message}`);
  }
  try {
    return (await importJWK(jwk, 'EdDSA')) as CryptoKey;
  } catch {
    throw new CredentialError('BATON_CLIENT_SECRET: its key cannot be imported');
  }
}

/**
 * Signs a bearer token for each call to the control plane. Never reused: the control plane accepts
 * a token id once (a captured token cannot be replayed), so every call and every retry of a call
 * carries its own (see `callCredentials` in ./rpc.ts). Ed25519 signing costs microseconds.
 */
export class TokenSource {
  constructor(
    private readonly clientId: string,
    private readonly key: CryptoKey,
    private readonly now: () => number = Date.now,
  ) {}

  async token(): Promise<string> {
    const iat = Math.floor(this.now() / 1000);
    return new SignJWT({})
      .setProtectedHeader({ alg: 'EdDSA', typ: 'JWT' })
      .setIssuer(this.clientId)
      .setSubject(this.clientId)
      .setAudience(CONTROL_PLANE_AUDIENCE)
      .setIssuedAt(iat)
      .setNotBefore(iat - 120)
      .setExpirationTime(iat + TOKEN_LIFETIME_S)
      .setJti(randomUUID())
      .sign(this.key);
  }
}
