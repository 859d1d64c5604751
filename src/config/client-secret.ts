/**
 * The control-plane client secret's format (BATON_CLIENT_SECRET), read once at start so that a
 * mistyped secret stops the daemon instead of leaving it spooling forever:
 * `secret-token:baton-entra:v1:<base64url of the JWK of an Ed25519 private key>`.
 * Messages never repeat the value.
 */
import { createPrivateKey } from 'node:crypto';

export const CLIENT_SECRET_PREFIX = 'secret-token:baton-entra:v1:';

/** The Ed25519 private key of a client secret, as a JWK. */
export interface ClientSecretJwk {
  kty: 'OKP';
  crv: 'Ed25519';
  x: string;
  d: string;
}

/** Decodes and checks a client secret; throws an Error saying what is expected. */
export function decodeClientSecret(secret: string): ClientSecretJwk {
  const expected = `expected the client secret printed by "control-plane clients add" (${CLIENT_SECRET_PREFIX}…)`;
  if (!secret.startsWith(CLIENT_SECRET_PREFIX)) throw new Error(`${expected}; the prefix is missing`);
  let jwk: Partial<Record<keyof ClientSecretJwk, unknown>>;
  try {
    jwk = JSON.parse(
      Buffer.from(secret.slice(CLIENT_SECRET_PREFIX.length), 'base64url').toString('utf8'),
    ) as typeof jwk;
  } catch {
    throw new Error(`${expected}; its key part does not decode`);
  }
  if (jwk?.kty !== 'OKP' || jwk.crv !== 'Ed25519' || typeof jwk.d !== 'string' || typeof jwk.x !== 'string')
    throw new Error(`${expected}; it does not hold an Ed25519 private key`);
  const key = { kty: 'OKP', crv: 'Ed25519', x: jwk.x, d: jwk.d } as const;
  try {
    createPrivateKey({ key, format: 'jwk' });
  } catch {
    throw new Error(`${expected}; its key cannot be imported`);
  }
  return key;
}

/** The catalogue's parser: the secret unchanged once it decodes. */
export function parseClientSecret(input: string): string {
  decodeClientSecret(input);
  return input;
}
