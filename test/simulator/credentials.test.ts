import assert from 'node:assert/strict';
import { startSimulator, type Simulator } from '../../src/simulator/index.js';
import { raw, trustCa, type Json } from './support/sim.js';

type Obj = Record<string, Json>;
const DAY = 86_400_000;

describe('simulator: application and service principal credentials', () => {
  let sim: Simulator;
  let now = Date.parse('2026-11-23T12:00:00Z');
  let tok: string;
  let appObjectId: string;

  /** A client-credentials token for the simulator's confidential client with `secret`. */
  async function tokenWith(secret: string): Promise<{ status: number; body: Json }> {
    const res = await fetch(`${sim.authorityHost}/${sim.tenantId}/oauth2/v2.0/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: sim.clientId,
        client_secret: secret,
        scope: 'https://graph.microsoft.com/.default',
      }),
    });
    return { status: res.status, body: await res.json() };
  }
  const get = (path: string) => raw(sim, path.replace(sim.url, ''), { token: tok });
  const post = (path: string, body: unknown, token = tok) =>
    raw(sim, path, {
      method: 'POST',
      token,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  async function round(url: string): Promise<{ items: Obj[]; deltaLink: string }> {
    const items: Obj[] = [];
    let next = url;
    for (;;) {
      const r = await get(next);
      assert.equal(r.status, 200, JSON.stringify(r.body));
      items.push(...r.body.value);
      if (r.body['@odata.deltaLink']) return { items, deltaLink: r.body['@odata.deltaLink'] };
      next = r.body['@odata.nextLink'];
    }
  }

  before(async () => {
    sim = await startSimulator({ preset: 'demo', seed: 5, throttling: false, now: () => now });
    trustCa(sim.caCertPem);
    // The connector's client only reads applications; writing its own secrets needs more.
    const client = sim.tenant.clients.get(sim.clientId)!;
    sim.tenant.updateClient(sim.clientId, {
      graphRoles: [...client.graphRoles, 'Application.ReadWrite.OwnedBy'],
    });
    appObjectId = client.applicationObjectId!;
    const t = await tokenWith(sim.clientSecret);
    tok = t.body.access_token;
  });
  after(() => sim.close());

  it('SAML gallery apps carry a signing certificate on the service principal (Sign + Verify + password)', async () => {
    const r = await get(
      '/v1.0/servicePrincipals?$select=id,preferredSingleSignOnMode,keyCredentials,passwordCredentials&$top=999',
    );
    assert.equal(r.status, 200);
    const saml = (r.body.value as Obj[]).filter((sp) => sp.preferredSingleSignOnMode === 'saml');
    assert.ok(saml.length > 0);
    let expired = 0;
    for (const sp of saml) {
      const keys = sp.keyCredentials as Obj[];
      assert.deepEqual(keys.map((k) => k.usage).sort(), ['Sign', 'Verify']);
      assert.equal((sp.passwordCredentials as Obj[]).length, 1);
      const thumbs = new Set([...keys, ...sp.passwordCredentials].map((k: Obj) => k.customKeyIdentifier));
      assert.equal(thumbs.size, 1, 'one certificate: one thumbprint');
      assert.equal(Buffer.from([...thumbs][0] as string, 'base64').length, 20, 'SHA-1 thumbprint, base64');
      if (Date.parse(keys[0]!.endDateTime) <= now) expired++;
    }
    assert.ok(expired > 0 && expired < saml.length, 'some expired, some not');
  });

  it('addPassword returns the secret once; it signs in; reads show only its hint; removePassword revokes it', async () => {
    const initial = await round(
      '/v1.0/applications/delta?$select=id,displayName,passwordCredentials,keyCredentials',
    );
    assert.deepEqual(new Set(initial.items.map((a) => a.id)), new Set(sim.tenant.applications.keys()));
    assert.ok(
      initial.items.every((a) =>
        Object.keys(a).every((k) =>
          ['id', 'displayName', 'passwordCredentials', 'keyCredentials'].includes(k),
        ),
      ),
    );

    const added = await post(`/v1.0/applications/${appObjectId}/addPassword`, {
      passwordCredential: { displayName: 'rotation', endDateTime: new Date(now + 30 * DAY).toISOString() },
    });
    assert.equal(added.status, 200, JSON.stringify(added.body));
    const secret = added.body.secretText as string;
    assert.equal(secret.length, 40);
    assert.equal(added.body.hint, secret.slice(0, 3));
    assert.equal((await tokenWith(secret)).status, 200, 'the new secret signs in');

    const afterAdd = await round(initial.deltaLink);
    assert.deepEqual(
      afterAdd.items.map((a) => a.id),
      [appObjectId],
      'only the changed application',
    );
    const creds = afterAdd.items[0]!.passwordCredentials as Obj[];
    const mine = creds.find((c) => c.keyId === added.body.keyId)!;
    assert.equal(mine.displayName, 'rotation');
    assert.equal(mine.hint, secret.slice(0, 3));
    assert.equal(mine.secretText, null, 'reads never return the secret');
    assert.ok(!JSON.stringify(afterAdd.items).includes(secret));

    const removed = await post(`/v1.0/applications/${appObjectId}/removePassword`, {
      keyId: added.body.keyId,
    });
    assert.equal(removed.status, 204);
    const denied = await tokenWith(secret);
    assert.equal(denied.status, 401);
    assert.match(JSON.stringify(denied.body), /AADSTS7000215/);
    const afterRemove = await round(afterAdd.deltaLink);
    assert.deepEqual(
      afterRemove.items.map((a) => a.id),
      [appObjectId],
    );
    assert.ok(
      !(afterRemove.items[0]!.passwordCredentials as Obj[]).some((c) => c.keyId === added.body.keyId),
    );

    const again = await post(`/v1.0/applications/${appObjectId}/removePassword`, { keyId: added.body.keyId });
    assert.equal(again.status, 400);
    const nothing = await round(afterRemove.deltaLink);
    assert.deepEqual(nothing.items, []);
  });

  it('service principals take addPassword too; writes need an Application write permission', async () => {
    const sp = [...sim.tenant.servicePrincipals.values()].find(
      (s) => s.preferredSingleSignOnMode === 'saml',
    )!;
    const r = await post(`/v1.0/servicePrincipals/${sp.id}/addPassword`, {});
    assert.equal(r.status, 200);
    assert.equal(sim.tenant.servicePrincipals.get(sp.id)!.passwordCredentials.length, 2);
    const bad = await post(`/v1.0/applications/${appObjectId}/addPassword`, {
      passwordCredential: { endDateTime: 'soon' },
    });
    assert.equal(bad.status, 400);
    assert.match(JSON.stringify(bad.body), /endDateTime/);
    sim.tenant.updateClient(sim.clientId, {
      graphRoles: sim.tenant.clients
        .get(sim.clientId)!
        .graphRoles.filter((x) => !x.startsWith('Application.ReadWrite')),
    });
    const readOnly = (await tokenWith(sim.clientSecret)).body.access_token as string;
    const denied = await post(`/v1.0/applications/${appObjectId}/addPassword`, {}, readOnly);
    assert.equal(denied.status, 403);
  });

  it('applications/delta: $deltatoken=latest starts from now; a token older than 7 days is refused', async () => {
    const latest = await get('/v1.0/applications/delta?$select=id,passwordCredentials&$deltatoken=latest');
    assert.equal(latest.status, 200);
    assert.deepEqual(latest.body.value, []);
    const link = latest.body['@odata.deltaLink'] as string;
    now += 8 * DAY;
    tok = (await tokenWith(sim.clientSecret)).body.access_token as string;
    const r = await get(link);
    assert.equal(r.status, 400);
    assert.equal(r.body.error.code, 'syncStateNotFound');
  });
});
