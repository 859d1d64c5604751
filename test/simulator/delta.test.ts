import assert from 'node:assert/strict';
import { guid } from './support/fixture-data.js';
import { PageIterator } from '@microsoft/microsoft-graph-client';
import { graphClient, raw, startFixtureSim, token, type FixtureSim, type Json } from './support/sim.js';

type Obj = Record<string, Json>;

describe('simulator delta queries', () => {
  let f: FixtureSim;
  let tok: string;
  let now = Date.parse('2026-03-01T00:00:00Z');
  const get = (url: string, headers: Record<string, string> = {}) => {
    const u = new URL(url, f.sim.url);
    return raw(f.sim, u.pathname + u.search, { token: tok, headers });
  };
  /** Follows nextLinks to the deltaLink; returns every object and the deltaLink. */
  async function round(
    url: string,
    headers: Record<string, string> = {},
  ): Promise<{ items: Obj[]; deltaLink: string; pages: number }> {
    const items: Obj[] = [];
    let next: string | undefined = url;
    let pages = 0;
    for (;;) {
      const r = await get(next, headers);
      assert.equal(r.status, 200, JSON.stringify(r.body));
      pages++;
      items.push(...r.body.value);
      if (r.body['@odata.deltaLink']) return { items, deltaLink: r.body['@odata.deltaLink'], pages };
      next = r.body['@odata.nextLink'];
      assert.ok(next, 'a page has either a nextLink or a deltaLink');
    }
  }

  before(async () => {
    f = await startFixtureSim(
      { users: 450, groups: 4, membersPerGroup: (i) => (i === 2 ? 250 : 3) },
      { now: () => now, throttling: false },
    );
    tok = await token(f.sim);
  });
  after(() => f.sim.close());

  it('users: initial round in pages of ≤200 ending in a deltaLink; changes replay with @removed', async () => {
    const initial = await round('/v1.0/users/delta?$select=displayName,jobTitle,manager');
    assert.equal(initial.pages, 3);
    assert.deepEqual(new Set(initial.items.map((u) => u.id)), new Set(f.tenant.users.keys()));
    const u1 = guid('00000a11', 1);
    const u2 = guid('00000a11', 2);
    f.tenant.updateUser(u1, { jobTitle: 'Director' });
    f.tenant.updateUser(u2, { department: 'unselected change' });
    f.tenant.deleteUser(guid('00000a11', 3));
    f.tenant.setManager(guid('00000a11', 4), u1);
    const changes = await round(initial.deltaLink);
    const byId = new Map<string, Obj>(changes.items.map((x) => [x.id as string, x]));
    assert.equal(byId.get(u1)!.jobTitle, 'Director');
    assert.equal(
      byId.get(u1)!.displayName,
      'User 1',
      'without return=minimal unchanged selected props come too',
    );
    assert.ok(!byId.has(u2), 'a change to an unselected property does not surface');
    assert.deepEqual(byId.get(guid('00000a11', 3))!['@removed'], { reason: 'changed' });
    assert.deepEqual(byId.get(guid('00000a11', 4))!['manager@delta'], [
      { '@odata.type': '#microsoft.graph.user', id: u1 },
    ]);
    f.tenant.updateUser(u1, { jobTitle: 'VP' });
    const minimal = await round(changes.deltaLink, { Prefer: 'return=minimal' });
    assert.deepEqual(minimal.items, [{ id: u1, jobTitle: 'VP' }]);
    const nothing = await round(minimal.deltaLink);
    assert.deepEqual(nothing.items, []);
  });

  it('the Graph SDK PageIterator walks a delta round and hands back the deltaLink', async () => {
    const client = graphClient(f.sim);
    const seen = new Set<string>();
    const it = new PageIterator(
      client,
      await client.api('/devices/delta').get(),
      (d: { id: string }) => (seen.add(d.id), true),
    );
    await it.iterate();
    assert.deepEqual([...seen].sort(), [...f.tenant.devices.keys()].sort());
    assert.match(it.getDeltaLink() ?? '', /\/v1\.0\/devices\/delta\?\$deltatoken=/);
  });

  it('groups: members@delta chunked (a big group repeats), additions and @removed removals', async () => {
    const initial = await round('/v1.0/groups/delta?$select=displayName,members,owners');
    const big = guid('00006400', 2);
    const parts = initial.items.filter((g) => g.id === big);
    assert.ok(parts.length >= 3, 'a 250-member group comes in several units');
    const members = parts.flatMap((p) => (p['members@delta'] ?? []).map((m: Obj) => m.id));
    assert.deepEqual(members, f.tenant.membersOf(big));
    assert.equal(initial.items.find((g) => g.id === guid('00006400', 1))!['owners@delta'].length, 1);
    const g0 = guid('00006400', 0);
    f.tenant.addMember(g0, guid('00000a11', 100));
    f.tenant.removeMember(big, guid('00000a11', 10));
    const changes = await round(initial.deltaLink);
    const byId = new Map<string, Obj>(changes.items.map((x) => [x.id as string, x]));
    assert.deepEqual(byId.get(g0)!['members@delta'], [
      { '@odata.type': '#microsoft.graph.user', id: guid('00000a11', 100) },
    ]);
    assert.deepEqual(byId.get(big)!['members@delta'], [
      { '@odata.type': '#microsoft.graph.user', id: guid('00000a11', 10), '@removed': { reason: 'deleted' } },
    ]);
  });

  it('$deltatoken=latest, id filters (≤50), $expand refused, and 7-day expiry → 400 syncStateNotFound', async () => {
    const latest = await get('/v1.0/users/delta?$deltatoken=latest');
    assert.deepEqual(latest.body.value, []);
    assert.ok(latest.body['@odata.deltaLink']);
    const ids = [guid('00000a11', 7), guid('00000a11', 8)];
    const filtered = await round(
      `/v1.0/users/delta?$filter=${encodeURIComponent(ids.map((i) => `id eq '${i}'`).join(' or '))}`,
    );
    assert.deepEqual(
      filtered.items.map((x) => x.id),
      ids,
    );
    const tooMany = Array.from({ length: 51 }, (_, i) => `id eq '${guid('00000a11', i)}'`).join(' or ');
    assert.equal((await get(`/v1.0/users/delta?$filter=${encodeURIComponent(tooMany)}`)).status, 400);
    assert.equal((await get('/v1.0/users/delta?$expand=manager')).status, 400);
    assert.equal((await get('/v1.0/users/delta?$top=5')).status, 200, '$top is ignored');
    now += 6 * 24 * 3600_000;
    tok = await token(f.sim);
    assert.equal((await get(latest.body['@odata.deltaLink'])).status, 200);
    const stale = (await round('/v1.0/devices/delta')).deltaLink;
    now += 7 * 24 * 3600_000 + 1000;
    tok = await token(f.sim);
    const expired = await get(stale);
    assert.equal(expired.status, 400);
    assert.equal(expired.body.error.code, 'syncStateNotFound');
  });

  it('410 Gone fault on a delta link, with a Location restarting the round', async () => {
    const link = (await round('/v1.0/servicePrincipals/delta')).deltaLink;
    f.sim.setFaults([{ path: '^/v1\\.0/servicePrincipals/delta', kind: 'gone410', count: 1 }]);
    const gone = await get(link);
    assert.equal(gone.status, 410);
    const location = gone.headers.get('location')!;
    assert.ok(!location.includes('deltatoken'));
    assert.equal((await get(location)).status, 200);
    f.sim.setFaults([]);
  });
});
