/**
 * The application permissions (`roles` claim) of a Graph access token, read without verifying the
 * signature — for reporting only, never for a security decision. Undefined when the token is not
 * a readable JWT. https://learn.microsoft.com/en-us/entra/identity-platform/access-token-claims-reference#payload-claims
 */
export function tokenRoles(accessToken: string): string[] | undefined {
  const payload = accessToken.split('.')[1];
  if (!payload) return undefined;
  try {
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { roles?: unknown };
    return Array.isArray(claims.roles)
      ? claims.roles.filter((r): r is string => typeof r === 'string').sort()
      : [];
  } catch {
    return undefined;
  }
}

/** Broad permissions a read-only sync does not need; Directory.* is never needed with the per-feature set. */
export function excessPermissions(roles: readonly string[], provisioning: boolean): string[] {
  return roles.filter((r) => r.startsWith('Directory.') || (!provisioning && /\.ReadWrite(\.|$)/.test(r)));
}
