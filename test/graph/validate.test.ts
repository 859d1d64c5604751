import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { validateConnection } from '../../src/graph/validate.js';
import { ScriptedServer, type Expectation } from '../support/scripted-graph.js';
import { testTls } from '../support/test-tls.js';
import { runCli } from '../support/cli.js';
import { authorityExpectations, CLIENT, TENANT, configFor, staticCredential, testClient } from './helpers.js';

const NOW = Date.parse('2026-01-01T00:00:00Z');
const ok = (url: string, value: unknown[] = [{ id: 'x1' }]): Expectation => ({
  method: 'GET',
  url,
  body: { value },
});
const denied = (url: string): Expectation => ({
  method: 'GET',
  url,
  status: 403,
  body: { error: { code: 'Authorization_RequestDenied' } },
});
const appUrl = `/v1.0/applications?$filter=appId%20eq%20%27${CLIENT}%27&$select=id,appId,passwordCredentials,keyCredentials`;
const app = (end: string): Expectation => ({
  method: 'GET',
  url: appUrl,
  body: {
    value: [
      {
        id: 'app',
        appId: CLIENT,
        passwordCredentials: [
          { keyId: 'k-other', hint: 'zzz', endDateTime: '2030-01-01T00:00:00Z' },
          { keyId: 'k-used', hint: 'tes', endDateTime: end },
        ],
        keyCredentials: [],
      },
    ],
  },
});

function allProbes(): Expectation[] {
  return [
    ok('/v1.0/users?$top=1&$select=id'),
    ok('/v1.0/groups?$top=1&$select=id', [{ id: 'g1' }]),
    ok('/v1.0/groups/g1/members?$top=1&$select=id'),
    ok('/v1.0/roleManagement/directory/roleDefinitions?$top=1&$select=id'),
    ok('/v1.0/roleManagement/directory/roleAssignments?$top=1'),
    ok('/v1.0/roleManagement/directory/roleEligibilityScheduleInstances?$top=1'),
    ok('/v1.0/servicePrincipals?$top=1&$select=id', [{ id: 'sp1' }]),
    ok('/v1.0/servicePrincipals/sp1/appRoleAssignedTo?$top=1'),
    ok('/v1.0/applications?$top=1&$select=id,passwordCredentials'),
    ok('/v1.0/subscribedSkus?$select=skuId'),
    ok('/v1.0/auditLogs/directoryAudits?$top=1'),
  ];
}

describe('validate', () => {
  let server: ScriptedServer;
  beforeEach(async () => {
    server = await ScriptedServer.start();
  });
  afterEach(() => server.close());

  it('is connected when every enabled feature answers, and reads the secret expiry', async () => {
    server.expect(...allProbes(), app('2026-06-01T00:00:00Z'));
    const t = testClient(server);
    const report = await validateConnection(configFor(server), t.client, t.credential, () => NOW);
    await t.client.close();
    assert.equal(report.status, 'connected', JSON.stringify(report, null, 2));
    assert.equal(report.probes.length, 11);
    assert.deepEqual(report.credential, {
      kind: 'client_secret',
      matched: true,
      keyId: 'k-used',
      endDateTime: '2026-06-01T00:00:00Z',
      daysLeft: 151,
      expired: false,
    });
    assert.deepEqual(report.warnings, []);
    server.assertDone();
  });

  it('names the missing permission and the feature that needs it', async () => {
    server.expect(
      ...allProbes().filter((e) => !String(e.url).includes('roleEligibility')),
      denied('/v1.0/roleManagement/directory/roleEligibilityScheduleInstances?$top=1'),
      ok('/v1.0/devices?$top=1&$select=id'),
      denied('/v1.0/users?$top=1&$select=id,signInActivity'),
      app('2026-01-20T00:00:00Z'),
    );
    const t = testClient(server);
    const config = configFor(server, { BATON_SYNC_DEVICES: 'true', BATON_SIGN_IN_ACTIVITY: 'true' });
    const report = await validateConnection(config, t.client, t.credential, () => NOW);
    await t.client.close();
    assert.equal(report.status, 'unconnected');
    const failed = report.probes.filter((p) => !p.ok).map((p) => [p.feature, p.missingPermission]);
    assert.deepEqual(failed, [
      ['role', 'RoleEligibilitySchedule.Read.Directory'],
      ['sign_in_activity', 'AuditLog.Read.All'],
    ]);
    assert.deepEqual(report.warnings, ['client secret expires on 2026-01-20T00:00:00Z, in 19 day(s)']);
    server.assertDone();
  });

  it('is expired when the secret in use is past its end date', async () => {
    server.expect(...allProbes(), app('2025-12-01T00:00:00Z'));
    const t = testClient(server);
    const report = await validateConnection(configFor(server), t.client, t.credential, () => NOW);
    await t.client.close();
    assert.equal(report.status, 'expired');
    assert.equal(report.credential?.expired, true);
  });

  it('is expired when the token endpoint says the secret expired, unconnected for other token errors', async () => {
    const t = testClient(server);
    const refuse = (code: number) => ({
      getToken: () =>
        Promise.reject(
          Object.assign(new Error('x'), {
            name: 'AuthenticationError',
            errorResponse: { error: 'invalid_client', errorDescription: `AADSTS${code}: text` },
          }),
        ),
    });
    const expired = await validateConnection(configFor(server), t.client, refuse(7000222));
    assert.equal(expired.status, 'expired');
    assert.equal(expired.token.code, 'AADSTS7000222');
    const bad = await validateConnection(configFor(server), t.client, refuse(7000215));
    assert.equal(bad.status, 'unconnected');
    assert.equal(bad.probes.length, 0);
    await t.client.close();
    assert.equal(server.seen.length, 0);
  });

  it("lists the token's permissions and warns about broader ones than needed", async () => {
    server.expect(...allProbes(), app('2027-01-01T00:00:00Z'));
    const t = testClient(server);
    const claims = { roles: ['User.Read.All', 'Directory.Read.All', 'GroupMember.ReadWrite.All'] };
    const jwt = `e30.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.sig`;
    const credential = {
      getToken: () => Promise.resolve({ token: jwt, expiresOnTimestamp: NOW + 3600_000 }),
    };
    const report = await validateConnection(configFor(server), t.client, credential, () => NOW);
    await t.client.close();
    assert.equal(report.status, 'connected');
    assert.deepEqual(report.grantedPermissions, [
      'Directory.Read.All',
      'GroupMember.ReadWrite.All',
      'User.Read.All',
    ]);
    assert.deepEqual(report.warnings, [
      'broader permissions than this configuration needs: Directory.Read.All, GroupMember.ReadWrite.All',
    ]);
  });

  it('reads AadPremiumLicenseRequired on the PIM probe as a tenant without P2, naming what role grants then need', async () => {
    const pimUrl = '/v1.0/roleManagement/directory/roleEligibilityScheduleInstances?$top=1';
    server.expect(
      ...allProbes().filter((e) => e.url !== pimUrl),
      {
        method: 'GET',
        url: pimUrl,
        status: 400,
        body: {
          error: { code: 'AadPremiumLicenseRequired', message: 'The tenant needs an AAD Premium 2 license.' },
        },
      },
      app('2027-01-01T00:00:00Z'),
    );
    const t = testClient(server);
    const roles = ['Exchange.ManageAsApp', 'RoleAssignmentSchedule.ReadWrite.Directory'];
    const jwt = `e30.${Buffer.from(JSON.stringify({ roles })).toString('base64url')}.sig`;
    const report = await validateConnection(
      configFor(server, { BATON_PROVISIONING: 'true' }),
      t.client,
      staticCredential(jwt),
      () => NOW,
    );
    await t.client.close();
    assert.equal(report.status, 'connected', JSON.stringify(report.probes, null, 2));
    assert.ok(report.warnings.some((w) => /no Microsoft Entra ID P2 \(AadPremiumLicenseRequired\)/.test(w)));
    const roleWarnings = report.warnings.filter((w) => /feature role_/.test(w));
    assert.deepEqual(roleWarnings, [
      'provisioning: active directory role assignments (roleAssignments: the tenant has no Entra ID P2) needs RoleManagement.ReadWrite.Directory (feature role_assignment); those operations will be refused',
    ]);
  });

  it('probes the Exchange token when provisioning', async () => {
    server.expect(...allProbes(), app('2027-01-01T00:00:00Z'));
    const t = testClient(server);
    const credential = staticCredential();
    const report = await validateConnection(
      configFor(server, {
        BATON_PROVISIONING: 'true',
        BATON_EXCHANGE_BASE_URL: 'https://outlook.office365.com',
      }),
      t.client,
      credential,
      () => NOW,
    );
    await t.client.close();
    assert.equal(report.status, 'connected');
    assert.ok(credential.calls.some((c) => c[0] === 'https://outlook.office365.com/.default'));
    assert.ok(report.probes.some((p) => p.feature === 'exchange' && p.ok));
  });

  it('baton-entra validate prints the report and exits 1 when a permission is missing', async () => {
    const { caPem } = await testTls();
    const caFile = join(mkdtempSync(join(tmpdir(), 'baton-ca-')), 'ca.pem');
    writeFileSync(caFile, caPem);
    server.expect(
      ...authorityExpectations(TENANT, undefined, 'tok'),
      ...allProbes().filter((e) => !String(e.url).startsWith('/v1.0/subscribedSkus')),
      denied('/v1.0/subscribedSkus?$select=skuId'),
      app('2030-01-01T00:00:00Z'),
    );
    const env = {
      NODE_EXTRA_CA_CERTS: caFile,
      BATON_ENTRA_TENANT_ID: TENANT,
      BATON_ENTRA_CLIENT_ID: CLIENT,
      BATON_ENTRA_CLIENT_SECRET: 'test-client-secret',
      BATON_GRAPH_DOMAIN: server.host,
      BATON_ENTRA_AUTHORITY_HOST: server.origin,
      BATON_LOG_LEVEL: 'warn',
    };
    const r = await runCli(['validate'], env);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stdout, /^status: unconnected$/m);
    assert.match(
      r.stdout,
      /FAIL {2}license +GET \/subscribedSkus\?\$select=skuId\n +missing permission LicenseAssignment\.Read\.All \(needed for license\)/,
    );
    assert.ok(!r.stdout.includes('test-client-secret') && !r.stderr.includes('test-client-secret'));
    server.assertDone();
  });
});
