import assert from 'node:assert/strict';
import { guid } from './support/fixture-data.js';
import { raw, startFixtureSim, token, type FixtureSim } from './support/sim.js';

const GA = guid('62e90394', 1);
const USER = guid('00000a11', 5);
const BASE = '/v1.0/roleManagement/directory';

describe('simulator: a tenant without Entra ID P2 (PIM unavailable)', () => {
  let f: FixtureSim;
  let tok: string;
  before(async () => {
    f = await startFixtureSim({}, { pim: false });
    tok = await token(f.sim);
  });
  after(async () => {
    await f.sim.close();
  });

  const send = (method: string, path: string, body?: unknown) =>
    raw(f.sim, path, {
      method,
      token: tok,
      ...(body === undefined
        ? {}
        : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
    });
  const assign = {
    action: 'adminAssign',
    principalId: USER,
    roleDefinitionId: GA,
    directoryScopeId: '/',
    justification: 'test',
    scheduleInfo: { expiration: { type: 'noExpiration' } },
  };

  it('answers every PIM endpoint 400 AadPremiumLicenseRequired, and roleAssignments as usual', async () => {
    for (const path of [
      'roleAssignmentScheduleInstances',
      'roleEligibilityScheduleInstances',
      'roleAssignmentSchedules',
      'roleEligibilitySchedules',
      'roleAssignmentScheduleRequests',
      'roleEligibilityScheduleRequests',
    ]) {
      const r = await send('GET', `${BASE}/${path}`);
      assert.equal(r.status, 400, path);
      assert.equal(r.body.error.code, 'AadPremiumLicenseRequired', path);
    }
    for (const set of ['roleAssignmentScheduleRequests', 'roleEligibilityScheduleRequests']) {
      const r = await send('POST', `${BASE}/${set}`, assign);
      assert.equal(r.status, 400, set);
      assert.equal(r.body.error.code, 'AadPremiumLicenseRequired');
    }
    assert.ok(
      ![...f.tenant.roleAssignments.values()].some((a) => a.principalId === USER),
      'a refused request assigns nothing',
    );
    const list = await send('GET', `${BASE}/roleAssignments`);
    assert.equal(list.status, 200);
    assert.ok(list.body.value.length >= 1);
  });

  it('gains and loses P2 through /_sim/licensing', async () => {
    const control = (body: unknown) =>
      raw(f.sim, '/_sim/licensing', {
        method: 'POST',
        body: JSON.stringify(body),
        headers: { 'content-type': 'application/json' },
      });
    assert.equal((await control({ pim: 'yes' })).status, 400);
    assert.equal((await control({ pim: true })).status, 200);
    assert.equal((await send('GET', `${BASE}/roleEligibilityScheduleInstances`)).status, 200);
    assert.equal((await send('POST', `${BASE}/roleAssignmentScheduleRequests`, assign)).status, 201);
    assert.equal((await control({ pim: false })).status, 200);
    assert.equal((await send('GET', `${BASE}/roleAssignmentScheduleInstances`)).status, 400);
  });
});
