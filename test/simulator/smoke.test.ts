import assert from 'node:assert/strict';
import { PageIterator } from '@microsoft/microsoft-graph-client';
import { startFixtureSim, graphClient, type FixtureSim } from './support/sim.js';

describe('simulator: users and groups through the real SDKs', () => {
  let f: FixtureSim;
  before(async () => {
    f = await startFixtureSim({ users: 250, groups: 12 });
  });
  after(() => f.sim.close());

  it('pages /users to completion with ClientSecretCredential + PageIterator', async () => {
    const client = graphClient(f.sim);
    const first = await client.api('/users').select('id,displayName').top(100).get();
    const ids: string[] = [];
    const it = new PageIterator(client, first, (u: { id: string }) => {
      ids.push(u.id);
      return true;
    });
    await it.iterate();
    assert.deepEqual(ids, [...f.tenant.users.keys()]);
  });
});
