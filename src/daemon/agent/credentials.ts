import { randomUUID } from 'node:crypto';
import { importJWK, SignJWT, type CryptoKey } from 'jose';
import { decodeClientSecret } from '../../config/client-secret.js';

/** The audience every control plane checks. */
export const CONTROL_PLANE_AUDIENCE = 'urn:baton-entra:control-plane';
const TOKEN_LIFETIME_S = 120;
/** Mint a new token once the current one has less than this left, so none expires in flight. */
const REFRESH_MARGIN_S = 45;

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

/** Signs and caches the bearer token for calls to the control plane. */
export class TokenSource {
  private cached?: { token: string; refreshAt: number };

  constructor(
    private readonly clientId: string,
    private readonly key: CryptoKey,
    private readonly now: () => number = Date.now,
  ) {}

  async token(): Promise<string> {
    const nowMs = this.now();
    if (this.cached && nowMs < this.cached.refreshAt) return this.cached.token;
    const iat = Math.floor(nowMs / 1000);
    const token = await new SignJWT({})
      .setProtectedHeader({ alg: 'EdDSA', typ: 'JWT' })
      .setIssuer(this.clientId)
      .setSubject(this.clientId)
      .setAudience(CONTROL_PLANE_AUDIENCE)
      .setIssuedAt(iat)
      .setNotBefore(iat - 120)
      .setExpirationTime(iat + TOKEN_LIFETIME_S)
      .setJti(randomUUID())
      .sign(this.key);
    this.cached = { token, refreshAt: (iat + TOKEN_LIFETIME_S - REFRESH_MARGIN_S) * 1000 };
    return token;
  }
}
