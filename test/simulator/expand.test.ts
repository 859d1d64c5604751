import assert from 'node:assert/strict';
import { startSimulator, type Simulator } from '../../src/simulator/index.js';
import { SHAPES, shapeServicePrincipals } from '../connector/support/sp-shapes.js';
import { raw, token, trustCa, type Json } from './support/sim.js';

describe('simulator: $expand of service principals’ assignments and owners', () => {
  let sim: Simulator;
  let tok: string;
  let shaped: string[];
  const get = (path: string) => raw(sim, path, { token: tok });
  before(async () => {
    sim = await startSimulator({ preset: 'demo', seed: 7, host: '127.0.0.1', throttling: false });
    trustCa(sim.caCertPem);
    shaped = shapeServicePrincipals(sim.tenant);
    tok = await token(sim);
  });
  after(() => sim.close());

  /** Every service principal of the listing by id (the demo tenant fits one expanded page). */
  async function listing(expand: string): Promise<Map<string, Json>> {
    const res = await get(`/v1.0/servicePrincipals?$select=id&$expand=${expand}&$top=999`);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body['@odata.nextLink'], undefined);
    return new Map(res.body.value.map((sp: Json) => [sp.id, sp]));
  }

  it('expands at most 20 app-role assignments per service principal, with no nextLink inside', async () => {
    const byId = await listing('appRoleAssignedTo');
    assert.equal(byId.size, sim.tenant.servicePrincipals.size);
    SHAPES.forEach((shape, i) => {
      const sp = byId.get(shaped[i]!);
      assert.equal(sp.appRoleAssignedTo.length, Math.min(shape.assignments, 20), `${shape.assignments}`);
      assert.deepEqual(
        Object.keys(sp).sort(),
        ['appRoleAssignedTo', 'id'],
        'no appRoleAssignedTo@odata.nextLink',
      );
    });
    // What the expansion holds is the head of the whole list.
    const many = shaped[SHAPES.findIndex((s) => s.assignments === 45)]!;
    assert.deepEqual(
      byId.get(many).appRoleAssignedTo.map((a: Json) => a.id),
      sim.tenant
        .appRoleAssignedTo(many)
        .slice(0, 20)
        .map((a) => a.id),
    );
  });

  it('expands at most 20 owners, with their @odata.type, and $select inside the expansion', async () => {
    const byId = await listing('owners($select=id)');
    SHAPES.forEach((shape, i) => {
      const sp = byId.get(shaped[i]!);
      assert.equal(sp.owners.length, Math.min(shape.owners, 20), `${shape.owners}`);
      for (const o of sp.owners) assert.deepEqual(Object.keys(o).sort(), ['@odata.type', 'id']);
      assert.equal(sp['owners@odata.nextLink'], undefined);
    });
    // The full listing of one over the cap has them all.
    const over = shaped[SHAPES.findIndex((s) => s.owners === 45)]!;
    const all = await get(`/v1.0/servicePrincipals/${over}/owners?$select=id`);
    assert.equal(all.body.value.length, 45);
  });

  it('refuses two relationships in one $expand, as Graph does on directory objects', async () => {
    for (const path of [
      '/v1.0/servicePrincipals?$expand=appRoleAssignedTo,owners',
      `/v1.0/servicePrincipals/${shaped[0]!}?$expand=owners,appRoleAssignedTo`,
      '/v1.0/groups?$expand=members,owners',
      '/v1.0/users?$expand=manager,memberOf',
    ]) {
      const res = await get(path);
      assert.equal(res.status, 400, path);
      assert.equal(res.body.error.code, 'BadRequest', path);
      assert.equal(
        res.body.error.message,
        'The result of parsing $expand contained at least 2 items, but the maximum allowed is 1.',
      );
    }
    // One relationship at a time is fine, on an entity as on a collection.
    assert.equal((await get(`/v1.0/servicePrincipals/${shaped[0]!}?$expand=owners`)).status, 200);
  });

  it('refuses $expand on servicePrincipals/delta', async () => {
    const res = await get('/v1.0/servicePrincipals/delta?$expand=appRoleAssignedTo');
    assert.equal(res.status, 400);
  });
});
