import type { ResourceId } from './types.js';

/** Baton's entitlement id: `<resourceType>:<resourceId>:<slug>` (the slug may contain `:`). */
export function entitlementId(resource: ResourceId, slug: string): string {
  return `${resource.resourceType}:${resource.resource}:${slug}`;
}

/** Baton's grant id: `<entitlementId>:<principalType>:<principalId>` — an external contract. */
export function grantId(entitlement: string, principal: { type: string; id: string }): string {
  return `${entitlement}:${principal.type}:${principal.id}`;
}

/** Splits an entitlement id into its resource and slug. */
export function parseEntitlementId(id: string): { resource: ResourceId; slug: string } {
  const [resourceType, resource, ...slug] = id.split(':');
  if (!resourceType || !resource || slug.length === 0) {
    throw new Error(`entitlement id "${id}" is not <resourceType>:<resourceId>:<slug>`);
  }
  return { resource: { resourceType, resource }, slug: slug.join(':') };
}

export function resourceKey(id: ResourceId): string {
  return `${id.resourceType}:${id.resource}`;
}
