/** Rules a user's creation, rename and restore are checked against. */
import type { SimContext } from '../context.js';
import { GraphHttpError } from '../http/message.js';
import type { Guid } from '../tenant/model.js';

/**
 * The UPN's domain must be one of the tenant's verified domains.
 * https://learn.microsoft.com/graph/api/user-post-users
 */
export function checkUpnDomain(ctx: SimContext, upn: string): void {
  const at = upn.lastIndexOf('@');
  const domain = at > 0 ? upn.slice(at + 1).toLowerCase() : '';
  if (!ctx.store.organization.verifiedDomains.some((d) => d.name.toLowerCase() === domain))
    throw new GraphHttpError(
      400,
      'Request_BadRequest',
      'The domain portion of the userPrincipalName property is invalid. You must use one of the verified domain names in your organization.',
      {},
      [{ code: 'InvalidValue', target: 'userPrincipalName' }],
    );
}

/**
 * Entra's password rules for cloud users: 8 to 256 characters, of at least three of lowercase,
 * uppercase, digits and symbols, from the allowed set (letters, digits, the listed symbols, space).
 * https://learn.microsoft.com/entra/identity/authentication/concept-password-ban-bad-combined-policy
 */
export function passwordComplies(password: string): boolean {
  if (password.length < 8 || password.length > 256) return false;
  if (!/^[A-Za-z0-9@#$%^&*\-_!+=[\]{}|\\:',.?/`~"();<> ]+$/.test(password)) return false;
  const classes = [/[a-z]/, /[A-Z]/, /[0-9]/, /[^A-Za-z0-9]/].filter((re) => re.test(password));
  return classes.length >= 3;
}

export function upnTaken(ctx: SimContext, upn: string, except?: Guid): boolean {
  const l = upn.toLowerCase();
  return [...ctx.store.users.values(), ...ctx.store.deletedUsers.values()].some(
    (u) => u.id !== except && u.userPrincipalName.toLowerCase() === l,
  );
}

/**
 * Extension attributes given on a create or update: Graph sets the ones named and keeps the
 * others; each is a string of at most 1024 characters, or null to clear. Only cloud-only users
 * take them (a synced user's come from Active Directory).
 * https://learn.microsoft.com/graph/api/resources/onpremisesextensionattributes
 */
export function mergeExtensionAttributes(
  current: Record<string, string | null>,
  given: unknown,
): Record<string, string | null> {
  if (given === null || typeof given !== 'object' || Array.isArray(given))
    throw new GraphHttpError(
      400,
      'BadRequest',
      "Property 'onPremisesExtensionAttributes' must be an object.",
    );
  const out = { ...current };
  for (const [k, v] of Object.entries(given)) {
    if (!/^extensionAttribute([1-9]|1[0-5])$/.test(k))
      throw new GraphHttpError(
        400,
        'BadRequest',
        `Property '${k}' does not exist on type 'microsoft.graph.onPremisesExtensionAttributes'.`,
      );
    if (v !== null && (typeof v !== 'string' || v.length > 1024))
      throw new GraphHttpError(400, 'BadRequest', `Invalid value specified for property '${k}'.`);
    out[k] = v as string | null;
  }
  return out;
}
