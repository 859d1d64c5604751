import type { SimContext } from '../context.js';
import { GraphHttpError } from '../http/message.js';

/** Claims of a simulator access token that the resource servers use. */
export interface AccessClaims {
  aud: string;
  tid: string;
  appid: string;
  oid: string;
  roles: string[];
  scp?: string;
  exp: number;
}

/**
 * Validates `Authorization: Bearer …` for a resource: signature (simulator key), lifetime (the
 * simulator clock), audience and tenant. Failures are 401 `InvalidAuthenticationToken`.
 * https://learn.microsoft.com/graph/resolve-auth-errors#401-unauthorized
 */
export async function verifyBearer(
  ctx: SimContext,
  authorization: string | undefined,
  audiences: readonly string[],
): Promise<AccessClaims> {
  const m = /^Bearer\s+(\S+)$/i.exec(authorization ?? '');
  if (!m)
    throw new GraphHttpError(401, 'InvalidAuthenticationToken', 'Access token is empty.', {
      'www-authenticate': 'Bearer realm=""',
    });
  let payload: Record<string, unknown>;
  try {
    payload = (await ctx.signingKey.verify(m[1] as string)) as Record<string, unknown>;
  } catch {
    throw new GraphHttpError(
      401,
      'InvalidAuthenticationToken',
      'Access token validation failure. Invalid signature.',
      { 'www-authenticate': 'Bearer error="invalid_token"' },
    );
  }
  const exp = Number(payload.exp);
  if (!Number.isFinite(exp) || exp * 1000 <= ctx.clock.now()) {
    throw new GraphHttpError(
      401,
      'InvalidAuthenticationToken',
      'Lifetime validation failed, the token is expired.',
      { 'www-authenticate': 'Bearer error="invalid_token"' },
    );
  }
  if (!audiences.includes(String(payload.aud))) {
    throw new GraphHttpError(
      401,
      'InvalidAuthenticationToken',
      'Access token validation failure. Invalid audience.',
      { 'www-authenticate': 'Bearer error="invalid_token"' },
    );
  }
  if (payload.tid !== ctx.store.tenantId)
    throw new GraphHttpError(
      401,
      'InvalidAuthenticationToken',
      'Access token validation failure. Invalid tenant.',
    );
  const roles = Array.isArray(payload.roles) ? payload.roles.map(String) : [];
  return {
    aud: String(payload.aud),
    tid: String(payload.tid),
    appid: String(payload.appid),
    oid: String(payload.oid),
    roles,
    ...(typeof payload.scp === 'string' ? { scp: payload.scp } : {}),
    exp,
  };
}

/** Permissions a token carries: application `roles`, or delegated `scp`. */
export function heldPermissions(c: AccessClaims): string[] {
  return [...c.roles, ...(c.scp ? c.scp.split(' ') : [])];
}
