import { decodeJwt, importJWK, jwtVerify, type JWK } from 'jose';
import { getClient } from './clients.js';
import type { ControlPlaneStore } from './store.js';
import { rememberTokenId } from './token-ids.js';

/** The `aud` every daemon token must carry. */
export const CONTROL_PLANE_AUDIENCE = 'urn:baton-entra:control-plane';
/** Tokens live 2 minutes; a longer-lived one is refused even when its signature is good. */
const MAX_TOKEN_AGE_S = 300;
const CLOCK_TOLERANCE_S = 60;

export class AuthError extends Error {}
/** A token whose id was already accepted once: its caller is told so, unlike other failures. */
export class ReplayError extends AuthError {}

const JTI = /^[\x21-\x7e]{8,128}$/;

/**
 * Checks `authorization: Bearer <JWT>`: EdDSA-signed by a registered client (iss = sub = client id),
 * for this control plane, unexpired, and never seen before (its `jti` is remembered until the token
 * expires, so a captured token cannot be replayed). Returns the client id. Every failure is an
 * AuthError with a reason for the server log; the caller only learns UNAUTHENTICATED (and, for a
 * replay, that it was one).
 */
export async function verifyBearer(
  store: ControlPlaneStore,
  header: string | undefined,
  now: Date,
): Promise<string> {
  const m = header ? /^Bearer\s+(\S+)$/i.exec(header) : null;
  if (!m?.[1]) throw new AuthError('missing bearer token');
  const token = m[1];
  let iss: string | undefined;
  try {
    iss = decodeJwt(token).iss;
  } catch {
    throw new AuthError('malformed token');
  }
  if (!iss) throw new AuthError('token has no issuer');
  const client = getClient(store, iss);
  if (!client) throw new AuthError(`unknown client ${JSON.stringify(iss.slice(0, 200))}`);
  let jti: string | undefined;
  let exp: number | undefined;
  try {
    const key = await importJWK(client.publicJwk as JWK, 'EdDSA');
    const { payload } = await jwtVerify(token, key, {
      algorithms: ['EdDSA'],
      audience: CONTROL_PLANE_AUDIENCE,
      issuer: client.clientId,
      subject: client.clientId,
      requiredClaims: ['exp', 'iat', 'jti'],
      maxTokenAge: MAX_TOKEN_AGE_S,
      clockTolerance: CLOCK_TOLERANCE_S,
      currentDate: now,
    });
    if (
      typeof payload.exp === 'number' &&
      typeof payload.iat === 'number' &&
      payload.exp - payload.iat > MAX_TOKEN_AGE_S
    ) {
      throw new AuthError('token lifetime too long');
    }
    jti = payload.jti;
    exp = payload.exp;
  } catch (err) {
    if (err instanceof AuthError) throw err;
    throw new AuthError(`token rejected: ${(err as Error).message}`);
  }
  if (typeof jti !== 'string' || !JTI.test(jti))
    throw new AuthError('token jti must be 8–128 printable characters');
  // Past exp + tolerance the signature check refuses the token by itself; until then its id is kept.
  if (!rememberTokenId(store, client.clientId, jti, (exp ?? 0) + CLOCK_TOLERANCE_S, now))
    throw new ReplayError('token replayed: its jti was already used');
  return client.clientId;
}
