import assert from 'node:assert/strict';
import { connect } from 'node:tls';
import { raw, startFixtureSim, token, type FixtureSim, type Json } from './support/sim.js';

/** Follows a listing's links to the end; every page's items and how many pages it took. */
async function walk(f: FixtureSim, tok: string, first: string): Promise<{ items: Json[]; pages: Json[] }> {
  const pages: Json[] = [];
  for (let url: string | undefined = first; url;) {
    const r = await raw(f.sim, url.replace(f.sim.url, ''), { token: tok });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    pages.push(r.body);
    url = r.body['@odata.nextLink'];
  }
  return { items: pages.flatMap((p) => p.value), pages };
}

/** The status line, Content-Length and body bytes of one raw HTTPS GET, read to the connection's end. */
function rawGet(f: FixtureSim, path: string, tok: string): Promise<{ head: string; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port: f.sim.port, servername: 'localhost', ca: f.sim.caCertPem });
    const chunks: Buffer[] = [];
    s.on('secureConnect', () =>
      s.write(`GET ${path} HTTP/1.1\r\nhost: localhost\r\nauthorization: Bearer ${tok}\r\n\r\n`),
    );
    s.on('data', (d: Buffer) => chunks.push(d));
    s.on('error', reject);
    s.on('close', () => {
      const all = Buffer.concat(chunks);
      const at = all.indexOf('\r\n\r\n');
      resolve({ head: all.subarray(0, at).toString(), body: all.subarray(at + 4) });
    });
  });
}

describe('simulator page-shaping faults (chaos)', () => {
  let f: FixtureSim;
  let tok: string;
  before(async () => {
    f = await startFixtureSim({ users: 450, groups: 3 }, { seed: 9, throttling: false });
    tok = await token(f.sim);
  });
  after(() => f.sim.close());
  afterEach(() => f.sim.setFaults([]));

  const ids = (items: Json[]) => items.filter((i) => !i['@removed']).map((i) => i.id as string);

  it('empty-page: an empty page whose nextLink leads to the real one; the listing is unchanged', async () => {
    const clean = await walk(f, tok, '/v1.0/users/delta?$select=displayName');
    f.sim.setFaults([{ path: '^/v1\\.0/users/delta$', kind: 'empty-page', probability: 0.5 }]);
    const faulted = await walk(f, tok, '/v1.0/users/delta?$select=displayName');
    assert.ok(
      faulted.pages.some((p) => p.value.length === 0 && p['@odata.nextLink']),
      'an empty page came',
    );
    assert.ok(faulted.pages.length > clean.pages.length);
    assert.deepEqual(ids(faulted.items), ids(clean.items));
    assert.ok(faulted.pages.at(-1)['@odata.deltaLink'], 'the round still ends in a deltaLink');
  });

  it('empty-page: a $count or a single object is answered as it is, never with a page', async () => {
    f.sim.setFaults([{ path: '^/v1\\.0/users', kind: 'empty-page' }]);
    const count = await raw(f.sim, '/v1.0/users/$count', {
      token: tok,
      headers: { ConsistencyLevel: 'eventual' },
    });
    assert.equal(count.status, 200);
    assert.equal(typeof count.body, 'number', 'the count, not a page');
    const list = await raw(f.sim, '/v1.0/users?$select=id&$top=1', { token: tok });
    const page = list.body;
    assert.deepEqual(page.value, [], 'a collection still comes empty');
    f.sim.setFaults([]);
    const first = await raw(f.sim, String(page['@odata.nextLink']).replace(f.sim.url, ''), { token: tok });
    f.sim.setFaults([{ path: '^/v1\\.0/users', kind: 'empty-page' }]);
    const id = (first.body.value as Json[])[0]!.id as string;
    const one = await raw(f.sim, `/v1.0/users/${id}`, { token: tok });
    assert.equal(one.body.id, id);
  });

  it('query: a rule may match the query, e.g. only requests that replay a delta link', async () => {
    const clean = await walk(f, tok, '/v1.0/users/delta?$select=displayName');
    f.sim.setFaults([{ path: '/delta$', query: '\\$deltatoken=', kind: 'gone410' }]);
    assert.equal((await raw(f.sim, '/v1.0/users/delta?$select=displayName', { token: tok })).status, 200);
    const link = clean.pages.at(-1)['@odata.deltaLink'] as string;
    assert.equal((await raw(f.sim, link.replace(f.sim.url, ''), { token: tok })).status, 410);
    assert.throws(() => f.sim.setFaults([{ path: '.', query: '(', kind: 'reset' }]), /faults\[0\]\.query/);
  });

  it('repeat-items: items served again, in the same page and from the page before', async () => {
    const clean = await walk(f, tok, '/v1.0/users/delta?$select=displayName');
    f.sim.setFaults([{ path: '^/v1\\.0/users/delta$', kind: 'repeat-items' }]);
    const faulted = await walk(f, tok, '/v1.0/users/delta?$select=displayName');
    assert.equal(faulted.pages.length, clean.pages.length);
    const pageIds = faulted.pages.map((p) => new Set(ids(p.value)));
    assert.ok(
      pageIds.slice(1).some((s, i) => [...s].some((id) => pageIds[i]!.has(id))),
      'an item of one page came again in the next',
    );
    assert.ok(faulted.items.length >= clean.items.length + 2 * clean.pages.length - 1);
    assert.deepEqual([...new Set(ids(faulted.items))].sort(), [...new Set(ids(clean.items))].sort());
  });

  it('phantom-items: @removed entries for objects the tenant never had', async () => {
    const clean = await walk(f, tok, '/v1.0/groups/delta?$select=displayName,members');
    f.sim.setFaults([{ path: '^/v1\\.0/groups/delta$', kind: 'phantom-items' }]);
    const faulted = await walk(f, tok, '/v1.0/groups/delta?$select=displayName,members');
    const phantoms = faulted.items.filter((i) => i['@removed']);
    assert.ok(phantoms.length >= 1);
    for (const p of phantoms) assert.ok(!f.tenant.groups.has(p.id) && !f.tenant.users.has(p.id));
    assert.deepEqual(ids(faulted.items), ids(clean.items));
  });

  it('truncated: the head promises the whole body, half of it arrives, the connection ends', async () => {
    f.sim.setFaults([{ path: '^/v1\\.0/organization$', kind: 'truncated', count: 1 }]);
    const cut = await rawGet(f, '/v1.0/organization', tok);
    assert.match(cut.head, /^HTTP\/1\.1 200/);
    const length = Number(/content-length: (\d+)/i.exec(cut.head)?.[1]);
    assert.equal(cut.body.length, Math.floor(length / 2));
    assert.equal(f.sim.counters()['GET /v1.0/organization']?.faults, 1);
    assert.equal((await raw(f.sim, '/v1.0/organization', { token: tok })).status, 200);
  });
});
