import { randomUUID } from 'node:crypto';
import { importJWK, SignJWT, type CryptoKey, type JWK } from 'jose';

/** Client secrets look like `secret-token:baton-entra:v1:<base64url JWK of an Ed25519 private key>`. */
const SECRET_PREFIX = 'secret-token:baton-entra:v1:';
/** The audience every control plane checks. */
export const CONTROL_PLANE_AUDIENCE = 'urn:baton-entra:control-plane';
const TOKEN_LIFETIME_S = 120;

export class CredentialError extends Error {}

/**
 * Reads BATON_CLIENT_SECRET into a signing key. The private key never leaves the process: each
 * call carries a 2-minute EdDSA JWT instead (iss = sub = client id, aud = control plane).
 */
export async function parseClientSecret(secret: string): Promise<CryptoKey> {
  if (!secret.startsWith(SECRET_PREFIX)) {
    throw new CredentialError(`BATON_CLIENT_SECRET must start with "${SECRET_PREFIX}"`);
  }
  let jwk: JWK;
  try {
    jwk = JSON.parse(Buffer.from(secret.slice(SECRET_PREFIX.length), 'base64url').toString('utf8')) as JWK;
  } catch {
    throw new CredentialError(
      'BATON_CLIENT_SECRET is not a valid client secret (its key part does not decode)',
    );
  }
  if (jwk.kty !== 'OKP' || jwk.crv !== 'Ed25519' || typeof jwk.d !== 'string') {
    throw new CredentialError('BATON_CLIENT_SECRET must hold an Ed25519 private key');
  }
  try {
    return (await importJWK({ kty: jwk.kty, crv: jwk.crv, x: jwk.x, d: jwk.d }, 'EdDSA')) as CryptoKey;
  } catch {
    throw new CredentialError('BATON_CLIENT_SECRET holds a key that cannot be imported');
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
