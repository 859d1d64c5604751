import type { ResourceTypeId } from '../../config/types.js';
import type {
  Entitlement,
  Grant,
  JsonObject,
  Page,
  Resource,
  ResourceId,
  ResourceSyncer,
} from '../../framework/types.js';
import { RESOURCE_TYPES } from '../resource-types.js';
import { isSyncedApplication } from '../enterprise-application/resource.js';
import type { GraphServicePrincipal } from '../enterprise-application/graph.js';
import { PAGE_SIZE, type SyncerDeps } from '../shared/common.js';
import type { FieldMapping } from '../shared/mapping.js';
import type { GraphApplication, GraphCredential, GraphCredentialOwner } from './graph.js';

/**
 * One `credential` resource per client secret (`passwordCredentials`) and certificate
 * (`keyCredentials`) of an app registration or a service principal (SAML signing certificates live
 * on the service principal). Resource id `<ownerObjectId>:<keyId>`: a keyId is unique only within
 * its owner. Graph never returns a secret's value on reads; `hint` is its first three characters.
 * https://learn.microsoft.com/graph/api/resources/passwordcredential
 * https://learn.microsoft.com/graph/api/resources/keycredential
 */
export const CREDENTIAL_MAPPINGS: FieldMapping[] = [
  { entra: '<owner object id>:keyId', field: 'id.resource', note: 'owner = application or servicePrincipal' },
  { entra: 'displayName (+ owner displayName)', field: 'displayName' },
  { entra: 'endDateTime', field: 'status', note: 'disabled once expired' },
  { entra: 'passwordCredentials | keyCredentials', field: 'profile.kind', note: 'password | certificate' },
  { entra: 'keyId', field: 'profile.key_id' },
  { entra: 'displayName', field: 'profile.display_name' },
  { entra: 'startDateTime', field: 'profile.start_date_time' },
  { entra: 'endDateTime', field: 'profile.end_date_time' },
  { entra: 'endDateTime ≤ now', field: 'profile.expired', note: 'derived' },
  { entra: 'hint', field: 'profile.hint', note: 'passwords: first characters only, never the value' },
  { entra: 'type', field: 'profile.key_type', note: 'certificates' },
  { entra: 'usage', field: 'profile.usage', note: 'certificates: Verify | Sign' },
  { entra: 'customKeyIdentifier', field: 'profile.thumbprint', note: 'certificates: SHA-1, upper-case hex' },
  { entra: 'application | servicePrincipal', field: 'profile.owner_type' },
  { entra: 'owner id', field: 'profile.owner_id' },
  { entra: 'owner appId', field: 'profile.app_id' },
  { entra: 'owner displayName', field: 'profile.app_display_name' },
  { entra: 'servicePrincipal.id (appId join)', field: 'profile.service_principal_id' },
  { entra: 'startDateTime', field: 'secret.createdAt' },
  { entra: 'endDateTime', field: 'secret.expiresAt' },
  {
    entra: 'the synced service principal (appId join)',
    field: 'parent / secret.identityId',
    note: 'enterprise_application or managed_identity, when synced',
  },
];

export type CredentialKind = 'password' | 'certificate';

/** Whose credential it is: an app registration or a service principal. */
export interface CredentialOwner {
  type: 'application' | 'service_principal';
  id: string;
  appId?: string;
  displayName?: string;
}

/**
 * `customKeyIdentifier` is Edm.Binary (base64 in JSON); for certificates it normally holds the
 * SHA-1 thumbprint. Some tooling stores the hex thumbprint as text instead. Upper-case hex either way.
 */
export function thumbprintOf(customKeyIdentifier: unknown): string | undefined {
  if (typeof customKeyIdentifier !== 'string' || customKeyIdentifier === '') return undefined;
  if (/^[0-9a-fA-F]{40}$/.test(customKeyIdentifier)) return customKeyIdentifier.toUpperCase();
  const bytes = Buffer.from(customKeyIdentifier, 'base64');
  if (bytes.length === 20) return bytes.toString('hex').toUpperCase();
  const text = bytes.toString('utf8');
  return /^[0-9a-fA-F]{40}$/.test(text) ? text.toUpperCase() : undefined;
}

/**
 * Pure: one password or key credential → a `credential` resource. `identity` is the synced
 * resource of the service principal that signs in with it (parent and SecretTrait identity).
 */
export function toCredentialResource(
  kind: CredentialKind,
  c: GraphCredential,
  owner: CredentialOwner,
  now: number,
  identity?: ResourceId,
): Resource | undefined {
  const keyId = c.keyId;
  if (typeof keyId !== 'string' || !keyId) return undefined;
  const end = typeof c.endDateTime === 'string' ? c.endDateTime : undefined;
  const start = typeof c.startDateTime === 'string' ? c.startDateTime : undefined;
  const expired = end !== undefined && Date.parse(end) <= now;
  const name = typeof c.displayName === 'string' && c.displayName ? c.displayName : undefined;
  const profile: JsonObject = { kind, key_id: keyId, expired, owner_type: owner.type, owner_id: owner.id };
  if (name) profile.display_name = name;
  if (start) profile.start_date_time = start;
  if (end) profile.end_date_time = end;
  if (kind === 'password') {
    if (typeof c.hint === 'string' && c.hint) profile.hint = c.hint;
  } else {
    if (typeof c.type === 'string') profile.key_type = c.type;
    if (typeof c.usage === 'string') profile.usage = c.usage;
    const thumbprint = thumbprintOf(c.customKeyIdentifier);
    if (thumbprint) profile.thumbprint = thumbprint;
  }
  if (owner.appId) profile.app_id = owner.appId;
  if (owner.displayName) profile.app_display_name = owner.displayName;
  if (identity) profile.service_principal_id = identity.resource;
  const label = name ?? (kind === 'password' ? 'Client secret' : 'Certificate');
  const r: Resource = {
    id: { resourceType: 'credential', resource: `${owner.id}:${keyId}` },
    displayName: owner.displayName ? `${label} (${owner.displayName})` : label,
    status: expired ? 'disabled' : 'enabled',
    profile,
    secret: {
      ...(start ? { createdAt: start } : {}),
      ...(end ? { expiresAt: end } : {}),
      ...(identity ? { identityId: identity } : {}),
    },
  };
  if (start) r.createdAt = start;
  if (identity) r.parent = identity;
  return r;
}

/** Every credential an application or service principal object carries. */
export function credentialsOf(
  o: GraphCredentialOwner,
  owner: CredentialOwner,
  now: number,
  identity?: ResourceId,
): Resource[] {
  const out: Resource[] = [];
  const each = (kind: CredentialKind, list: GraphCredential[] | null | undefined) => {
    for (const c of Array.isArray(list) ? list : []) {
      const r = toCredentialResource(kind, c, owner, now, identity);
      if (r) out.push(r);
    }
  };
  each('password', o.passwordCredentials);
  each('certificate', o.keyCredentials);
  return out;
}

/**
 * Lists application credentials first, then service principals' own. The page token names the
 * source and the last object id read: `a:<applicationId>` / `s:<servicePrincipalId>`.
 */
export function createCredentialSyncer(deps: SyncerDeps): ResourceSyncer {
  const synced = (t: ResourceTypeId) =>
    deps.config.syncResourceTypes.length === 0 || deps.config.syncResourceTypes.includes(t);
  let byAppId: Map<string | null | undefined, string> | undefined;
  /** The synced resource of a service principal, if it is synced as an app or managed identity. */
  const identityOf = (spId: string | undefined): ResourceId | undefined => {
    if (!spId) return undefined;
    const sp = deps.source.get<GraphServicePrincipal>('servicePrincipal', spId);
    if (!sp) return undefined;
    if (sp.servicePrincipalType === 'ManagedIdentity')
      return synced('managed_identity') ? { resourceType: 'managed_identity', resource: spId } : undefined;
    if (!synced('enterprise_application')) return undefined;
    const assigned = deps.source.hasLinks('servicePrincipal', spId, 'assignment:');
    return isSyncedApplication(sp, deps.orgIds, assigned, deps.config)
      ? { resourceType: 'enterprise_application', resource: spId }
      : undefined;
  };
  const spOfApp = (appId: unknown): string | undefined => {
    if (typeof appId !== 'string') return undefined;
    byAppId ??= new Map(
      [...deps.source.all<GraphServicePrincipal>('servicePrincipal')].map((r) => [r.data.appId, r.id]),
    );
    return byAppId.get(appId);
  };
  const owner = (type: CredentialOwner['type'], id: string, o: GraphCredentialOwner): CredentialOwner => ({
    type,
    id,
    ...(typeof o.appId === 'string' ? { appId: o.appId } : {}),
    ...(typeof o.displayName === 'string' ? { displayName: o.displayName } : {}),
  });
  return {
    resourceType: RESOURCE_TYPES.credential,
    list(token): Promise<Page<Resource>> {
      const source = token?.startsWith('s:') ? 'servicePrincipal' : 'application';
      const rows = deps.source.page<GraphApplication | GraphServicePrincipal>(
        source,
        token?.slice(2) ?? '',
        PAGE_SIZE,
      );
      const items: Resource[] = [];
      for (const { id, data } of rows) {
        if (source === 'application')
          items.push(
            ...credentialsOf(
              data,
              owner('application', id, data),
              deps.now(),
              identityOf(spOfApp(data.appId)),
            ),
          );
        else
          items.push(
            ...credentialsOf(data, owner('service_principal', id, data), deps.now(), identityOf(id)),
          );
      }
      const full = rows.length === PAGE_SIZE;
      const nextPageToken =
        source === 'application'
          ? full
            ? `a:${rows.at(-1)!.id}`
            : 's:'
          : full
            ? `s:${rows.at(-1)!.id}`
            : undefined;
      return Promise.resolve(nextPageToken === undefined ? { items } : { items, nextPageToken });
    },
    resource(id) {
      // `<owner object id>:<keyId>`; the owner is an application or a service principal. Where
      // two credentials of one owner share a keyId, the last listed is the one stored.
      const sep = id.indexOf(':');
      if (sep < 0) return undefined;
      const ownerId = id.slice(0, sep);
      const app = deps.source.get<GraphApplication>('application', ownerId);
      const all = app
        ? credentialsOf(app, owner('application', ownerId, app), deps.now(), identityOf(spOfApp(app.appId)))
        : (() => {
            const sp = deps.source.get<GraphServicePrincipal>('servicePrincipal', ownerId);
            return sp
              ? credentialsOf(sp, owner('service_principal', ownerId, sp), deps.now(), identityOf(ownerId))
              : [];
          })();
      return all.filter((r) => r.id.resource === id).at(-1);
    },
    entitlements(): Entitlement[] {
      return [];
    },
    grants(): Promise<Page<Grant>> {
      return Promise.resolve({ items: [] });
    },
  };
}
