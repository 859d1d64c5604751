import type { ConnectorConfig } from '../../config/types.js';
import type { Grant, JsonObject, JsonValue, Page, Principal, Resource } from '../../framework/types.js';
import { grantId } from '../../framework/ids.js';
import type { Logger } from '../../observability/logger.js';
import type { LinkKey, SourceLink, SourceStore } from '../../framework/source.js';
import type { EntraSourceQueries } from './source-queries.js';

import type { GraphServicePrincipal } from '../enterprise-application/graph.js';

/** What every syncer reads from: the source store the collection phases filled. */
export interface SyncerDeps {
  source: SourceStore;
  /** This connector's own queries over the source store. */
  queries: EntraSourceQueries;
  config: ConnectorConfig;
  logger: Logger;
  now: () => number;
  /** Counts what was left out and why (logged at the end of the sync). */
  drop(reason: string, n?: number): void;
  /** Ids of the tenant's own organizations. */
  orgIds: Set<string>;
  /** Users in scope of `scopeGroups` (undefined = no scoping). */
  scopedUsers?: (id: string) => boolean;
}

export const PAGE_SIZE = 500;

/** Keyset listing over one source kind: the token is the last id returned. */
export async function listKind<T>(
  deps: SyncerDeps,
  kind: string,
  token: string | undefined,
  map: (id: string, data: T) => Resource | undefined,
): Promise<Page<Resource>> {
  const rows = deps.source.page<T>(kind, token ?? '', PAGE_SIZE);
  const items: Resource[] = [];
  for (const r of rows) {
    const res = map(r.id, r.data);
    if (res) items.push(res);
  }
  return { items, nextPageToken: rows.length === PAGE_SIZE ? rows.at(-1)!.id : undefined };
}

/** The resource `listKind` would map source object `kind`/`id` to, if any. */
export function oneOfKind<T>(
  deps: SyncerDeps,
  kind: string,
  id: string,
  map: (id: string, data: T) => Resource | undefined,
): Resource | undefined {
  const data = deps.source.get<T>(kind, id);
  return data === undefined ? undefined : map(id, data);
}

/** Keyset listing of a resource's edges (prefix `relPrefix`), mapped to grants. */
export async function grantsFromLinks(
  deps: SyncerDeps,
  kind: string,
  ownerId: string,
  relPrefix: string,
  token: string | undefined,
  map: (link: SourceLink) => Grant | undefined,
): Promise<Page<Grant>> {
  const after = token ? (JSON.parse(token) as LinkKey) : (['', '', ''] as LinkKey);
  const links = deps.source.linksPage(kind, ownerId, relPrefix, after, PAGE_SIZE);
  const items: Grant[] = [];
  for (const l of links) {
    const g = map(l);
    if (g) items.push(g);
  }
  const last = links.at(-1);
  return {
    items,
    nextPageToken:
      links.length === PAGE_SIZE && last
        ? JSON.stringify([last.rel, last.targetId, last.extra ?? ''])
        : undefined,
  };
}

/**
 * Maps a directory object (by Graph kind) to the principal a grant names. Nested groups carry an
 * expansion to the child's members; service principals split by type; devices count only when
 * devices are synced; organizational contacts are never principals.
 */
export function principalFor(
  deps: SyncerDeps,
  kind: string,
  id: string,
): { principal: Principal; expandable?: string[] } | undefined {
  switch (kind) {
    case 'user':
      return { principal: { type: 'user', id } };
    case 'group':
      return { principal: { type: 'group', id }, expandable: [`group:${id}:member`] };
    case 'servicePrincipal': {
      const sp = deps.source.get<GraphServicePrincipal>('servicePrincipal', id);
      if (!sp) {
        deps.drop('service principal not found');
        return undefined;
      }
      const type =
        sp.servicePrincipalType === 'ManagedIdentity' ? 'managed_identity' : 'enterprise_application';
      return { principal: { type, id } };
    }
    case 'device':
      if (deps.config.syncDevices) return { principal: { type: 'device', id } };
      deps.drop('device member (devices not synced)');
      return undefined;
    case 'orgContact':
      deps.drop('organizational contact member');
      return undefined;
    default:
      deps.drop(`member of kind ${kind || 'unknown'}`);
      return undefined;
  }
}

/** Resolves an id whose kind a listing did not say (role assignments). */
export function kindOf(deps: SyncerDeps, id: string): string {
  if (deps.source.get('user', id)) return 'user';
  if (deps.source.get('group', id)) return 'group';
  if (deps.source.get('servicePrincipal', id)) return 'servicePrincipal';
  return '';
}

/**
 * principalFor in SQL, over a `source_links` row aliased `l` whose target is the member: the
 * principal type, the condition under which a member is kept, and (for one that is not) the
 * reason principalFor counts. Keep the two in step: a grants query (GrantsQuery) uses this one,
 * `grants` — and every incremental — that one; the sync equivalence tests compare them.
 */
export function principalSql(config: ConnectorConfig): { type: string; kept: string; reason: string } {
  const sp = "(SELECT data FROM source_objects WHERE kind = 'servicePrincipal' AND id = l.target_id)";
  return {
    type: `CASE l.target_kind WHEN 'servicePrincipal' THEN
      CASE json_extract(${sp}, '$.servicePrincipalType') WHEN 'ManagedIdentity' THEN 'managed_identity'
      ELSE 'enterprise_application' END
      ELSE l.target_kind END`,
    kept: `(l.target_kind IN ('user', 'group')
      OR (l.target_kind = 'servicePrincipal' AND ${sp} IS NOT NULL)
      ${config.syncDevices ? "OR l.target_kind = 'device'" : ''})`,
    reason: `CASE l.target_kind
      WHEN 'servicePrincipal' THEN 'service principal not found'
      WHEN 'device' THEN 'device member (devices not synced)'
      WHEN 'orgContact' THEN 'organizational contact member'
      ELSE 'member of kind ' || CASE l.target_kind WHEN '' THEN 'unknown' ELSE l.target_kind END END`,
  };
}

export function makeGrant(
  entitlement: string,
  p: { principal: Principal; expandable?: string[] },
  extra?: Partial<Grant>,
): Grant {
  const g: Grant = { id: grantId(entitlement, p.principal), entitlement, principal: p.principal, ...extra };
  if (p.expandable) g.expandable = p.expandable;
  return g;
}

/** `appOwnerOrganizationId` → `app_owner_organization_id`: profile fields are snake_case. */
export function snake(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

/** Copies the listed properties that are present into snake_case keys (undefined → absent). */
export function pick<K extends string>(
  item: { readonly [P in K]?: JsonValue },
  keys: readonly K[],
): JsonObject {
  const out: JsonObject = {};
  for (const k of keys) {
    const v = item[k];
    if (v !== undefined) out[snake(k)] = v;
  }
  return out;
}

export function daysBefore(now: number, days: number): number {
  return now - days * 86_400_000;
}
