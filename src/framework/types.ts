/**
 * The seam between the sync engine and a connector, after Baton's data model: resource types with
 * traits, resources, entitlements on resources, and grants of entitlements to principals. Nothing
 * here knows about Entra.
 */

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

export type Trait = 'user' | 'group' | 'role' | 'app' | 'license_profile' | 'managed_device' | 'secret';

export interface ResourceType {
  /** Stable id; renaming it breaks every grant id built from it. */
  id: string;
  displayName: string;
  traits: Trait[];
  description?: string;
}

export interface ResourceId {
  resourceType: string;
  resource: string;
}

export type ResourceStatus = 'enabled' | 'disabled' | 'deleted';

/** Account facts for user-like resources (Baton's UserTrait). */
export interface UserTrait {
  login: string;
  emails: string[];
  status: ResourceStatus;
  accountType: 'human' | 'service' | 'system';
  employeeIds: string[];
  lastLogin?: string;
}

/**
 * Facts about a credential (Baton's SecretTrait): when it was created and expires, and the identity
 * it authenticates as. Never the secret value itself.
 */
export interface SecretTrait {
  createdAt?: string;
  expiresAt?: string;
  lastUsedAt?: string;
  /** The identity that signs in with this credential (Baton's `identity_id`). */
  identityId?: ResourceId;
}

export interface Resource {
  id: ResourceId;
  displayName: string;
  description?: string;
  parent?: ResourceId;
  status?: ResourceStatus;
  createdAt?: string;
  /** Flat attributes; the `mapping` command documents where each comes from. */
  profile: JsonObject;
  user?: UserTrait;
  secret?: SecretTrait;
  externalLink?: string;
}

export type EntitlementPurpose = 'assignment' | 'permission' | 'ownership';

export interface Entitlement {
  /** `<resourceType>:<resourceId>:<slug>` */
  id: string;
  resource: ResourceId;
  slug: string;
  purpose: EntitlementPurpose;
  /** Resource type ids whose resources may hold this entitlement. */
  grantableTo: string[];
  displayName: string;
  description?: string;
}

export interface Principal {
  type: string;
  id: string;
}

export interface Grant {
  /** `<entitlementId>:<principalType>:<principalId>` */
  id: string;
  entitlement: string;
  principal: Principal;
  /** Entitlements whose holders hold this one too (a nested group's members). */
  expandable?: string[];
  /** Where a merged grant came from (e.g. directory scopes, PIM schedule ids). */
  sources?: string[];
  metadata?: JsonObject;
}

/** One page of a syncer's output; no `nextPageToken` means the listing is complete. */
export interface Page<T> {
  items: T[];
  nextPageToken?: string;
}

/**
 * What every resource type implements. A syncer reads its source page by page; the engine drives
 * it, checks its invariants (a token never repeats) and stores what comes back.
 */
export interface ResourceSyncer {
  readonly resourceType: ResourceType;
  list(pageToken: string | undefined): Promise<Page<Resource>>;
  /** Entitlements a resource offers; derived from the resource alone, so never paged. */
  entitlements(resource: Resource): Entitlement[];
  grants(resource: Resource, pageToken: string | undefined): Promise<Page<Grant>>;
  /**
   * The resource of this id exactly as `list` would produce it, or undefined when `list` would
   * leave it out. Lets an incremental re-derive only what changed; a syncer without it makes
   * every incremental rebuild the output.
   */
  resource?(id: string): Resource | undefined;
  /**
   * The grants of a whole output step as SQL over the source store, for a syncer whose grants are
   * a projection of stored relationships: the engine inserts them a slice of resources at a time
   * without building each in JavaScript (a million memberships took seconds that way). `grants`
   * stays the reference (an incremental re-derives one resource's grants with it): both must give
   * the same grants.
   */
  readonly grantsQuery?: GrantsQuery;
}

/**
 * Two SELECTs over the snapshot's tables, each bound to `?1` and `?2`: the grants of this type's
 * output resources whose ids are in (?1, ?2].
 */
export interface GrantsQuery {
  /**
   * Rows `(entitlement_id, principal_type, principal_id, extra)`, as grants are stored (see
   * grant-row.ts), only of entitlements those resources offer.
   */
  readonly select: string;
  /**
   * Rows `(reason, n)`: the relationships `select` leaves out, counted by reason as `drop` does
   * (absent: it leaves none out).
   */
  readonly drops?: string;
}

/** A full sync lists everything; an incremental builds on a previous snapshot's state. */
export type SyncKind = 'full' | 'incremental';
