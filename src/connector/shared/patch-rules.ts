import type { ConnectorConfig, ResourceTypeId } from '../../config/types.js';
import type { PatchContext, PatchRules } from '../../framework/connector.js';
import type { SourceSql } from '../../framework/source.js';
import type { GraphApplication, GraphCredential } from '../credential/graph.js';
import { deviceStale } from '../device/resource.js';
import type { GraphServicePrincipal } from '../enterprise-application/graph.js';
import type { GraphSignInActivity, GraphUser } from '../user/graph.js';
import { lastLoginOf, userStale } from '../user/resource.js';
import { EntraSourceQueries } from './source-queries.js';

type Row = Record<string, unknown>;

/** A temp table of ids, filled from `ids` (for joins against the source tables). */
function idTable(sql: SourceSql, name: string, ids: Iterable<string>): string {
  sql.exec(
    `DROP TABLE IF EXISTS temp.${name}; CREATE TEMP TABLE ${name} (id TEXT PRIMARY KEY) WITHOUT ROWID`,
  );
  const put = sql.prepare(`INSERT OR IGNORE INTO temp.${name} (id) VALUES (?)`);
  for (const id of ids) put.run(id);
  return `temp.${name}`;
}

/** A manager's e-mail as the users query derives it (mail, else UPN). */
const managerEmail = (u: GraphUser | undefined) =>
  JSON.stringify(u ? (u.mail ?? u.userPrincipalName ?? null) : undefined);

/** Whether time passing from `a` to `b` flips `f`. */
const flips = (f: (t: number) => boolean, a: number, b: number) => f(a) !== f(b);

/**
 * How the Entra connector's output depends on its source store (see each syncer):
 * - user: its object, its manager edge and that manager's mail or UPN, its sign-in activity, the
 *   scope groups' transitive members, staleness over time;
 * - group, role: their objects and edges; a group's member grants also on the member user's
 *   on-premises flag when on-premises users are skipped;
 * - enterprise_application, managed_identity: the service principal, its edges, the tenant's
 *   organizations (tenant-owned apps);
 * - credential: its owner's object, the service principal that is its identity (joined by appId,
 *   synced or not), the organizations, and expiry over time;
 * - license: the SKU and the license edges of its holders; device: its object, staleness;
 * - every grant: whether its principal is in the output (`referencing`).
 */
export function entraPatchRules(config: ConnectorConfig, types: readonly ResourceTypeId[]): PatchRules {
  const synced = new Set(types);
  return {
    affected(ctx) {
      const { changes, source } = ctx;
      const sql = source.sql;
      const C = changes.tables.objects;
      const L = changes.tables.links;
      const now = ctx.now();
      const objects = (kind: string) => `SELECT id FROM ${C} WHERE kind = '${kind}'`;
      const owners = (kind: string, rel?: string) =>
        `SELECT DISTINCT owner_id FROM ${L} WHERE kind = '${kind}'${rel ? ` AND rel = '${rel}'` : ''}`;
      const orgsChanged = changes.any(['organization']);

      if (synced.has('user')) {
        ctx.markSql('user', objects('user'));
        ctx.markSql('user', owners('user'));
        if (config.signInActivity) ctx.markSql('user', objects('signIn'));
        // Reports of a manager whose mail or UPN changed (or who came or went).
        const managers: string[] = [];
        for (const c of changes.objects<GraphUser>('user'))
          if (managerEmail(c.before) !== managerEmail(c.after)) managers.push(c.id);
        if (managers.length) {
          const t = idTable(sql, 'patch_managers', managers);
          ctx.markSql(
            'user',
            `SELECT owner_id FROM source_links WHERE kind = 'user' AND rel = 'manager' AND target_id IN (SELECT id FROM ${t})`,
          );
        }
        if (config.scopeGroups.length && changes.any([], ['group'])) markScopeChanges(ctx, config);
        if (config.userStaleDays !== undefined && config.signInActivity) {
          const days = config.userStaleDays;
          for (const r of sql
            .prepare(
              `SELECT u.id, json_extract(u.data, '$.createdDateTime') AS created, s.data AS signin
               FROM source_objects u LEFT JOIN source_objects s ON s.kind = 'signIn' AND s.id = u.id
               WHERE u.kind = 'user'`,
            )
            .all() as Row[]) {
            const signIn =
              r.signin == null ? undefined : (JSON.parse(r.signin as string) as GraphSignInActivity);
            const since = lastLoginOf(signIn) ?? (r.created as string | null);
            if (flips((t) => userStale(since, t, days), ctx.derivedAt, now)) ctx.mark('user', r.id as string);
          }
        }
      }

      if (synced.has('group')) {
        ctx.markSql('group', objects('group'));
        ctx.markSql('group', owners('group'));
        if (config.skipAdGroups && !config.includeOnPremGroupMembers) {
          const flipped: string[] = [];
          for (const c of changes.objects<GraphUser>('user'))
            if ((c.before?.onPremisesSyncEnabled === true) !== (c.after?.onPremisesSyncEnabled === true))
              flipped.push(c.id);
          if (flipped.length) {
            const t = idTable(sql, 'patch_on_premises', flipped);
            ctx.markSql(
              'group',
              `SELECT DISTINCT owner_id FROM source_links WHERE kind = 'group' AND rel = 'member' AND target_id IN (SELECT id FROM ${t})`,
            );
          }
        }
      }

      if (synced.has('role')) {
        ctx.markSql('role', objects('roleDefinition'));
        ctx.markSql('role', owners('roleDefinition'));
      }

      for (const type of ['enterprise_application', 'managed_identity'] as const) {
        if (!synced.has(type)) continue;
        ctx.markSql(type, objects('servicePrincipal'));
        ctx.markSql(type, owners('servicePrincipal'));
        // Whether an application is tenant-owned (and so synced) depends on the organizations.
        if (orgsChanged) ctx.markSql(type, `SELECT id FROM source_objects WHERE kind = 'servicePrincipal'`);
      }

      if (synced.has('credential')) markCredentials(ctx, orgsChanged, now);

      if (synced.has('license')) {
        ctx.markSql('license', objects('sku'));
        ctx.markSql('license', `SELECT DISTINCT target_id FROM ${L} WHERE kind = 'user' AND rel = 'license'`);
      }

      if (synced.has('device') && config.syncDevices) {
        ctx.markSql('device', objects('device'));
        const days = config.deviceStaleDays;
        if (days !== undefined)
          for (const r of sql
            .prepare(
              `SELECT id, json_extract(data, '$.approximateLastSignInDateTime') AS a,
                 json_extract(data, '$.registrationDateTime') AS r
               FROM source_objects WHERE kind = 'device'`,
            )
            .all() as Row[]) {
            const d = {
              approximateLastSignInDateTime: r.a as string | null,
              registrationDateTime: r.r as string | null,
            };
            if (flips((t) => deviceStale(d, t, days), ctx.derivedAt, now)) ctx.mark('device', r.id as string);
          }
      }
    },

    referencing(ctx, principals) {
      const sql = ctx.source.sql;
      // Grants come from the edges pointing at a principal: one pass over the edges.
      sql.exec(`DROP TABLE IF EXISTS temp.patch_referencing;
        CREATE TEMP TABLE patch_referencing AS
          SELECT DISTINCT kind, owner_id FROM source_links WHERE target_id IN (SELECT id FROM ${principals})`);
      const by = (kind: string) => `SELECT owner_id FROM temp.patch_referencing WHERE kind = '${kind}'`;
      if (synced.has('group')) ctx.markSql('group', by('group'));
      if (synced.has('role')) ctx.markSql('role', by('roleDefinition'));
      if (synced.has('enterprise_application')) ctx.markSql('enterprise_application', by('servicePrincipal'));
      // A user's licenses are its own edges.
      if (synced.has('license'))
        ctx.markSql(
          'license',
          `SELECT DISTINCT target_id FROM source_links WHERE kind = 'user' AND rel = 'license'
           AND owner_id IN (SELECT id FROM ${principals} WHERE resource_type = 'user')`,
        );
    },
  };
}

/** Users who entered or left the scope groups' transitive membership. */
function markScopeChanges(ctx: PatchContext, config: ConnectorConfig): void {
  const queries = new EntraSourceQueries(ctx.source.sql);
  queries.scopeUsersBefore('patch_scope_before', config.scopeGroups, ctx.changes.tables.links);
  // Recreates temp.scope_users, which the syncers read, with the same content.
  queries.scopeFilter(config.scopeGroups);
  ctx.markSql(
    'user',
    `SELECT id FROM (SELECT id FROM temp.scope_users EXCEPT SELECT id FROM temp.patch_scope_before)
     UNION SELECT id FROM (SELECT id FROM temp.patch_scope_before EXCEPT SELECT id FROM temp.scope_users)`,
  );
}

type CredentialOwner = Pick<GraphApplication, 'appId' | 'passwordCredentials' | 'keyCredentials'>;

function credentialIds(ownerId: string, o: CredentialOwner | undefined): string[] {
  if (!o) return [];
  const all: GraphCredential[] = [
    ...(Array.isArray(o.passwordCredentials) ? o.passwordCredentials : []),
    ...(Array.isArray(o.keyCredentials) ? o.keyCredentials : []),
  ];
  return all.flatMap((c) => (typeof c.keyId === 'string' && c.keyId ? [`${ownerId}:${c.keyId}`] : []));
}

/**
 * Credentials of changed applications and service principals (as they were and as they are), of
 * the applications whose identity is a service principal that changed or whose assignments did
 * (joined by appId), all of them when the organizations changed, and those whose expiry passed.
 */
function markCredentials(ctx: PatchContext, orgsChanged: boolean, now: number): void {
  const { changes, source } = ctx;
  const mark = (ids: string[]) => ids.forEach((id) => ctx.mark('credential', id));
  for (const c of changes.objects<GraphApplication>('application')) {
    mark(credentialIds(c.id, c.before));
    mark(credentialIds(c.id, c.after));
  }
  const appIds = new Set<unknown>();
  const identities = new Set<string>();
  for (const c of changes.objects<GraphServicePrincipal>('servicePrincipal')) {
    mark(credentialIds(c.id, c.before));
    identities.add(c.id);
    appIds.add(c.before?.appId);
    appIds.add(c.after?.appId);
  }
  for (const l of changes.links('servicePrincipal'))
    if (l.link.rel.startsWith('assignment:')) identities.add(l.link.ownerId);
  for (const id of identities) {
    const sp = source.get<GraphServicePrincipal>('servicePrincipal', id);
    mark(credentialIds(id, sp));
    appIds.add(sp?.appId);
  }
  appIds.delete(undefined);
  appIds.delete(null);
  if (orgsChanged || appIds.size > 0)
    for (const { id, data } of source.all<GraphApplication>('application'))
      if (orgsChanged || appIds.has(data.appId)) mark(credentialIds(id, data));
  if (orgsChanged)
    for (const { id, data } of source.all<GraphServicePrincipal>('servicePrincipal'))
      mark(credentialIds(id, data));
  // Expiry: `expired` is endDateTime ≤ now.
  for (const kind of ['application', 'servicePrincipal'])
    for (const path of ['$.passwordCredentials', '$.keyCredentials'])
      for (const r of source.sql
        .prepare(
          `SELECT o.id, json_extract(j.value, '$.keyId') AS key, json_extract(j.value, '$.endDateTime') AS end
           FROM source_objects o, json_each(o.data, '${path}') j WHERE o.kind = ?`,
        )
        .all(kind) as Row[]) {
        if (typeof r.key !== 'string' || typeof r.end !== 'string') continue;
        const end = Date.parse(r.end);
        if (flips((t) => end <= t, ctx.derivedAt, now)) ctx.mark('credential', `${r.id as string}:${r.key}`);
      }
}
