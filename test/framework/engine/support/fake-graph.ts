import { GraphError } from '../../../../src/graph/errors.js';
import type {
  BatchRequest,
  BatchResponse,
  GraphClient,
  GraphPage,
  GraphRequestOptions,
  GraphResponse,
  GraphStats,
} from '../../../../src/graph/types.js';
import type { FakeTenant, Obj } from './fake-tenant.js';

const BASE = 'https://graph.fake/v1.0';
const T = (kind: string) => `#microsoft.graph.${kind}`;

/**
 * An in-test implementation of the GraphClient contract over a FakeTenant: paging by nextLink,
 * delta rounds with replay from the tenant's change log, `$expand` capped at 20, `$batch`.
 * `onRequest` runs before each request and may throw (a failing listing) or abort the sync.
 */
export class FakeGraph implements GraphClient {
  readonly stats: GraphStats = { requests: 0, batchedRequests: 0, throttled: 0, retries: 0 };
  readonly urls: string[] = [];
  /** The URLs inside each `$batch`. */
  readonly batchedUrls: string[] = [];
  /** Directory audit entries served by `auditLogs/directoryAudits`; without them the poll is refused. */
  audits?: Obj[];
  onRequest?: (n: number, url: string) => void;
  /** Delta tokens below this sequence number are expired. */
  expiredBefore = 0;

  priorities = new Set<string | undefined>();

  constructor(readonly t: FakeTenant) {}

  async *pages<R>(pathOrUrl: string, options?: GraphRequestOptions): AsyncIterable<GraphPage<R>> {
    const seen = new Set<string>();
    let url: string | undefined = pathOrUrl;
    while (url) {
      this.priorities.add(options?.priority);
      const page = this.serve(url) as GraphPage<R>;
      yield page;
      url = page.nextLink;
      if (url && seen.has(url)) throw new GraphError(`repeated page token ${url}`, 'bug');
      if (url) seen.add(url);
    }
  }

  async get<R>(pathOrUrl: string): Promise<R> {
    // The `$count` segment answers a bare number.
    if (pathOrUrl === '/servicePrincipals/$count') return this.t.sps.size as R;
    return this.serve(pathOrUrl) as R;
  }

  request<R>(): Promise<GraphResponse<R>> {
    throw new Error('FakeGraph.request is not used by syncs');
  }

  async batch<R>(requests: BatchRequest[], options?: GraphRequestOptions): Promise<BatchResponse<R>[]> {
    this.priorities.add(options?.priority);
    const out: BatchResponse<R>[] = [];
    for (let i = 0; i < requests.length; i += 20) {
      this.tick(`$batch(${requests.length})`);
      for (const r of requests.slice(i, i + 20)) {
        this.stats.batchedRequests++;
        this.batchedUrls.push(r.url);
        const m = /^\/servicePrincipals\/([^/?]+)\/(owners|appRoleAssignedTo)/.exec(r.url);
        if (!m) throw new Error(`FakeGraph: unexpected batch url ${r.url}`);
        let body: Record<string, unknown>;
        if (m[2] === 'owners') {
          const owners = this.t.spOwners.get(m[1]!) ?? [];
          body = { value: owners.map((id) => ({ '@odata.type': T(this.t.kindOf(id)), id })) };
        } else {
          const page = this.paged(new URL(`${BASE}${r.url}`), this.assignedTo(m[1]!), 10, false);
          body = { value: page.value, ...(page.nextLink ? { '@odata.nextLink': page.nextLink } : {}) };
        }
        out.push({ id: r.id, status: this.t.sps.has(m[1]!) ? 200 : 404, headers: {}, body: body as R });
      }
    }
    return out;
  }

  private tick(url: string): void {
    this.stats.requests++;
    this.urls.push(url);
    this.onRequest?.(this.stats.requests, url);
  }

  private serve(pathOrUrl: string): GraphPage<unknown> {
    this.tick(pathOrUrl);
    const u = new URL(pathOrUrl.startsWith('http') ? pathOrUrl : `${BASE}${pathOrUrl}`);
    const path = u.pathname.replace(/^\/v1\.0/, '');
    const q = u.searchParams;
    const base = q.get('$deltatoken');
    if (base !== null && Number(base) < this.expiredBefore) {
      throw new GraphError('sync state expired', 'sync_state_expired', {
        status: 400,
        code: 'syncStateNotFound',
      });
    }
    const since = base === null ? undefined : Number(base);
    const delta = (items: Obj[], size: number) => this.paged(u, items, size, true);
    const list = (items: Obj[], size: number) => this.paged(u, items, size, false);
    switch (path) {
      case '/organization':
        return list([{ id: this.t.orgId, displayName: 'Contoso' }], 10);
      case '/users/delta':
        return delta(this.userDelta(since), 2);
      case '/users':
        return list(
          [...this.t.users.values()].map((x) => ({
            id: x.id,
            ...(x.signInActivity ? { signInActivity: x.signInActivity } : {}),
          })),
          3,
        );
      case '/groups/delta':
        return delta(this.groupDelta(since), 2);
      case '/applications/delta':
        return delta(this.simpleDelta('application', this.t.apps, since), 2);
      case '/devices/delta':
        return delta(this.simpleDelta('device', this.t.devices, since), 2);
      case '/servicePrincipals/delta':
        if (base === 'latest') return { value: [], deltaLink: `${BASE}${path}?$deltatoken=${this.t.seq}` };
        return delta(this.simpleDelta('servicePrincipal', this.t.sps, since), 2);
      // Without entries given, the poll is refused as without AuditLog.Read.All, so incrementals
      // list apps and roles in full (the simulator's tests cover the audit path end to end).
      case '/auditLogs/directoryAudits':
        if (this.audits) return list(this.audits, 10);
        throw new GraphError('Insufficient privileges to complete the operation.', 'permission_denied', {
          status: 403,
          code: 'Authorization_RequestDenied',
          missingPermission: 'AuditLog.Read.All',
        });
      case '/servicePrincipals':
        return list(
          [...this.t.sps.values()].map((sp) => ({
            ...sp,
            appRoleAssignedTo: this.assignedTo(sp.id as string).slice(0, 20),
          })),
          2,
        );
      case '/roleManagement/directory/roleDefinitions':
        return list([...this.t.roleDefs.values()], 10);
      case '/roleManagement/directory/roleAssignments':
        return list(
          this.t.roleAssignments.map((a, i) => ({ id: `ra${i}`, ...a })),
          2,
        );
      case '/roleManagement/directory/roleAssignmentScheduleInstances':
      case '/roleManagement/directory/roleEligibilityScheduleInstances': {
        if (!this.t.pim) {
          throw new GraphError('PIM needs P2', 'bad_request', {
            status: 400,
            code: 'AadPremiumLicenseRequired',
          });
        }
        const src = path.endsWith('roleEligibilityScheduleInstances')
          ? this.t.eligible
          : this.t.roleAssignments;
        return list(
          src.map((a, i) => ({ id: `si${i}`, memberType: 'Direct', ...a })),
          10,
        );
      }
      case '/subscribedSkus':
        return list(this.t.skus, 10);
    }
    const m = /^\/servicePrincipals\/([^/]+)\/appRoleAssignedTo$/.exec(path);
    if (m) return list(this.assignedTo(m[1]!), 10);
    throw new GraphError(`FakeGraph: no route for ${path}`, 'not_found', { status: 404 });
  }

  private assignedTo(spId: string): Obj[] {
    return this.t.assignments.filter((a) => a.resourceId === spId);
  }

  private paged(u: URL, items: Obj[], size: number, delta: boolean): GraphPage<unknown> {
    const offset = Number(u.searchParams.get('$skiptoken') ?? 0);
    const page: GraphPage<unknown> = { value: items.slice(offset, offset + size) };
    if (offset + size < items.length) {
      const next = new URL(u);
      next.searchParams.set('$skiptoken', String(offset + size));
      page.nextLink = next.toString();
    } else if (delta) {
      page.deltaLink = `${BASE}${u.pathname.replace(/^\/v1\.0/, '')}?$deltatoken=${this.t.seq}`;
    }
    return page;
  }

  private changed(kind: string, since: number): string[] {
    return [...new Set(this.t.log.filter((c) => c.kind === kind && c.seq > since).map((c) => c.id))];
  }

  private simpleDelta(kind: string, map: Map<string, Obj>, since: number | undefined): Obj[] {
    const ids = since === undefined ? [...map.keys()] : this.changed(kind, since);
    return ids.map((id) => map.get(id) ?? { id, '@removed': { reason: 'deleted' } });
  }

  private userDelta(since: number | undefined): Obj[] {
    return this.simpleDelta('user', this.t.users, since).map((u) => {
      if (u['@removed']) return u;
      const { signInActivity: _omit, ...rest } = u;
      const mgr = this.t.managers.get(u.id as string);
      return mgr ? { ...rest, 'manager@delta': [{ '@odata.type': T('user'), id: mgr }] } : rest;
    });
  }

  private groupDelta(since: number | undefined): Obj[] {
    const link = (id: string, kind: string, removed = false) => ({
      '@odata.type': T(kind),
      id,
      ...(removed ? { '@removed': { reason: 'deleted' } } : {}),
    });
    if (since === undefined) {
      const out: Obj[] = [];
      for (const [id, g] of this.t.groups) {
        const members = [...this.t.members.get(id)!].map(([m, k]) => link(m, k));
        const owners = [...this.t.owners.get(id)!].map(([o, k]) => link(o, k));
        // Big groups repeat across pages with further member chunks (delta-query-groups doc).
        out.push({ ...g, 'members@delta': members.slice(0, 3), 'owners@delta': owners });
        if (members.length > 3) out.push({ id, 'members@delta': members.slice(3) });
      }
      return out;
    }
    return this.changed('group', since).map((id) => {
      const g = this.t.groups.get(id);
      if (!g) return { id, '@removed': { reason: 'deleted' } };
      const changes = this.t.log.filter((c) => c.kind === 'group' && c.id === id && c.seq > since && c.link);
      const rel = (r: string) =>
        changes.filter((c) => c.link!.rel === r).map((c) => link(c.link!.id, c.link!.kind, c.link!.removed));
      return { ...g, 'members@delta': rel('members'), 'owners@delta': rel('owners') };
    });
  }
}
