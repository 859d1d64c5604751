import { decodeJwt, importJWK, jwtVerify, type JWK } from 'jose';
import { getClient } from './clients.js';
import type { ControlPlaneStore } from './store.js';

/** The `aud` every daemon token must carry. */
export const CONTROL_PLANE_AUDIENCE = 'urn:baton-entra:control-plane';
/** Tokens live 2 minutes; a longer-lived one is refused even when its signature is good. */
const MAX_TOKEN_AGE_S = 300;
const CLOCK_TOLERANCE_S = 60;

export class AuthError extends Error {}

/**
 * Checks `authorization: Bearer <JWT>`: EdDSA-signed by a registered client (iss = sub = client id),
 * for this control plane, unexpired. Returns the client id. Every failure is an AuthError with a
 * reason for the server log; the caller only learns UNAUTHENTICATED.
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
  try {
    const key = await importJWK(client.publicJwk as JWK, 'EdDSA');
    const { payload } = await jwtVerify(token, key, {
      algorithms: ['EdDSA'],
      audience: CONTROL_PLANE_AUDIENCE,
      issuer: client.clientId,
      subject: client.clientId,
      requiredClaims: ['exp', 'iat'],
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
  } catch (err) {
    if (err instanceof AuthError) throw err;
    throw new AuthError(`token rejected: ${(err as Error).message}`);
  }
  return client.clientId;
}
