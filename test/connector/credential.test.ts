import assert from 'node:assert/strict';
import { join } from 'node:path';
import { thumbprintOf, toCredentialResource } from '../../src/connector/credential/resource.js';
import type { ExportRecord } from '../../src/snapshot/export.js';
import { runSync } from '../../src/connector/sync.js';
import { expectedIds } from '../framework/engine/expected.js';
import { FakeGraph } from '../framework/engine/support/fake-graph.js';
import { demoTenant } from '../framework/engine/support/fake-tenant.js';
import { exportOf, FIXED_NOW, idsOf, tempDir, testConfig } from '../framework/engine/support/harness.js';

const NOW = Date.parse('2026-11-23T00:00:00Z');
const THUMB_HEX = '0123456789ABCDEF0123456789ABCDEF01234567';

describe('credential resources', () => {
  describe('mapper', () => {
    const app = { type: 'application' as const, id: 'obj-1', appId: 'app-1', displayName: 'Payroll' };

    it('a client secret: kind, dates, hint, expiry, secret trait; never a secret value', () => {
      const r = toCredentialResource(
        'password',
        {
          keyId: 'k1',
          displayName: 'deploy',
          hint: 'Xy1',
          startDateTime: '2026-01-01T00:00:00Z',
          endDateTime: '2026-12-01T00:00:00Z',
          secretText: 'Xy18Q~this-must-never-be-copied',
        },
        app,
        NOW,
        { resourceType: 'enterprise_application', resource: 'sp-1' },
      )!;
      assert.deepEqual(r.id, { resourceType: 'credential', resource: 'obj-1:k1' });
      assert.equal(r.displayName, 'deploy (Payroll)');
      assert.equal(r.status, 'enabled');
      assert.deepEqual(r.parent, { resourceType: 'enterprise_application', resource: 'sp-1' });
      assert.deepEqual(r.profile, {
        kind: 'password',
        key_id: 'k1',
        expired: false,
        owner_type: 'application',
        owner_id: 'obj-1',
        display_name: 'deploy',
        start_date_time: '2026-01-01T00:00:00Z',
        end_date_time: '2026-12-01T00:00:00Z',
        hint: 'Xy1',
        app_id: 'app-1',
        app_display_name: 'Payroll',
        service_principal_id: 'sp-1',
      });
      assert.deepEqual(r.secret, {
        createdAt: '2026-01-01T00:00:00Z',
        expiresAt: '2026-12-01T00:00:00Z',
        identityId: { resourceType: 'enterprise_application', resource: 'sp-1' },
      });
      assert.ok(!JSON.stringify(r).includes('never-be-copied'));
    });

    it('a certificate: thumbprint from customKeyIdentifier, type and usage; expired → disabled', () => {
      const r = toCredentialResource(
        'certificate',
        {
          keyId: 'k2',
          displayName: 'CN=payroll',
          type: 'AsymmetricX509Cert',
          usage: 'Verify',
          startDateTime: '2025-01-01T00:00:00Z',
          endDateTime: '2026-06-01T00:00:00Z',
          customKeyIdentifier: Buffer.from(THUMB_HEX, 'hex').toString('base64'),
          key: null,
        },
        app,
        NOW,
      )!;
      assert.equal(r.status, 'disabled');
      assert.equal(r.profile.expired, true);
      assert.equal(r.profile.thumbprint, THUMB_HEX);
      assert.equal(r.profile.key_type, 'AsymmetricX509Cert');
      assert.equal(r.profile.usage, 'Verify');
      assert.equal(r.parent, undefined, 'no parent without a synced service principal');
      assert.deepEqual(r.secret, { createdAt: '2025-01-01T00:00:00Z', expiresAt: '2026-06-01T00:00:00Z' });
    });

    it('thumbprints: base64 bytes, hex text, or base64 of hex text; anything else is left out', () => {
      assert.equal(thumbprintOf(Buffer.from(THUMB_HEX, 'hex').toString('base64')), THUMB_HEX);
      assert.equal(thumbprintOf(THUMB_HEX.toLowerCase()), THUMB_HEX);
      assert.equal(thumbprintOf(Buffer.from(THUMB_HEX).toString('base64')), THUMB_HEX);
      assert.equal(thumbprintOf(Buffer.from('a label').toString('base64')), undefined);
      assert.equal(thumbprintOf(null), undefined);
    });

    it('a credential without a keyId is skipped; without a name it is called by its kind', () => {
      assert.equal(toCredentialResource('password', { hint: 'abc' }, app, NOW), undefined);
      const r = toCredentialResource(
        'certificate',
        { keyId: 'k3' },
        { type: 'service_principal', id: 'sp-9' },
        NOW,
      )!;
      assert.equal(r.displayName, 'Certificate');
      assert.equal(r.profile.expired, false);
    });
  });

  describe('sync', () => {
    let tmp: ReturnType<typeof tempDir>;
    beforeEach(() => (tmp = tempDir()));
    afterEach(() => tmp.cleanup());
    const now = () => FIXED_NOW;
    const resource = (records: ExportRecord[], id: string) => {
      const r = records.find((x) => x.id === id);
      assert.ok(r?.kind === 'resource', `${id} exported`);
      return r;
    };

    it('app and service principal credentials, parented by the synced enterprise application', async () => {
      const t = demoTenant();
      const graph = new FakeGraph(t);
      const out = join(tmp.dir, 'a.snap');
      await runSync({ config: testConfig(), outFile: out, graph, now });
      const records = await exportOf(out);
      const creds = idsOf(records, 'resource').filter((id) => id.startsWith('credential:'));
      assert.deepEqual(creds, [
        'credential:app-obj-orphan:key-pw2',
        'credential:app-obj-payroll:key-cert1',
        'credential:app-obj-payroll:key-pw1',
        'credential:sp-ms2:key-saml',
      ]);
      const pw = resource(records, 'credential:app-obj-payroll:key-pw1');
      assert.equal(pw.parent, 'enterprise_application:sp-app');
      assert.equal(pw.status, 'enabled');
      assert.equal((pw.data.profile as Record<string, unknown>).hint, 'Xy1');
      assert.deepEqual((pw.data.secret as Record<string, unknown>).identityId, {
        resourceType: 'enterprise_application',
        resource: 'sp-app',
      });
      const cert = resource(records, 'credential:app-obj-payroll:key-cert1');
      assert.equal(cert.status, 'disabled', 'expired in 2026-06');
      assert.equal((cert.data.profile as Record<string, unknown>).thumbprint, THUMB_HEX);
      const orphan = resource(records, 'credential:app-obj-orphan:key-pw2');
      assert.equal(orphan.parent, undefined);
      const saml = resource(records, 'credential:sp-ms2:key-saml');
      assert.equal(saml.parent, 'enterprise_application:sp-ms2');
      assert.equal((saml.data.profile as Record<string, unknown>).owner_type, 'service_principal');
      assert.equal((saml.data.profile as Record<string, unknown>).thumbprint, 'AB'.repeat(20));
      const types = records.filter((r) => r.kind === 'resource_type' && r.id === 'credential');
      assert.deepEqual(
        types.map((r) => r.kind === 'resource_type' && r.traits),
        [['secret']],
      );
      assert.ok(!records.some((r) => r.kind === 'entitlement' && r.resource.startsWith('credential:')));
      assert.equal(graph.urls.filter((u) => u.includes('/applications/delta')).length, 1, 'one page');
    });

    it('incremental: an added and a removed password and a deleted app arrive through applications/delta', async () => {
      const t = demoTenant();
      const config = testConfig();
      const first = join(tmp.dir, 'first.snap');
      await runSync({ config, outFile: first, graph: new FakeGraph(t), now });
      const payroll = t.apps.get('app-obj-payroll')!;
      t.updateApp('app-obj-payroll', {
        passwordCredentials: [
          { keyId: 'key-pw3', displayName: 'rotated', hint: 'Q7z', endDateTime: '2027-06-01T00:00:00Z' },
        ],
        keyCredentials: payroll.keyCredentials,
      });
      t.deleteApp('app-obj-orphan');
      const graph = new FakeGraph(t);
      const inc = join(tmp.dir, 'inc.snap');
      const { header } = await runSync({ config, outFile: inc, incrementalFrom: first, graph, now });
      assert.equal(header.kind, 'incremental');
      assert.ok(graph.urls.some((u) => u.includes('/applications/delta') && u.includes('$deltatoken')));
      const records = await exportOf(inc);
      const creds = idsOf(records, 'resource').filter((id) => id.startsWith('credential:'));
      assert.deepEqual(creds, [
        'credential:app-obj-payroll:key-cert1',
        'credential:app-obj-payroll:key-pw3',
        'credential:sp-ms2:key-saml',
      ]);
      const fresh = join(tmp.dir, 'fresh.snap');
      await runSync({ config, outFile: fresh, graph: new FakeGraph(t), now });
      assert.deepEqual(records, await exportOf(fresh));
    });

    it('syncResourceTypes [credential] alone: credentials without parents, no app-role or role reads', async () => {
      const t = demoTenant();
      const graph = new FakeGraph(t);
      const config = testConfig({ syncResourceTypes: ['credential'], syncDevices: false });
      const out = join(tmp.dir, 'c.snap');
      await runSync({ config, outFile: out, graph, now });
      const records = await exportOf(out);
      assert.deepEqual(idsOf(records, 'resource_type'), ['credential']);
      assert.deepEqual(
        idsOf(records, 'resource'),
        expectedIds(t, config).resources.filter((id) => id.startsWith('credential:')),
      );
      assert.equal(idsOf(records, 'resource').length, 4);
      assert.ok(records.every((r) => r.kind !== 'resource' || r.parent === undefined));
      assert.ok(
        !graph.urls.some((u) => /appRoleAssignedTo\/|\$batch|roleManagement|subscribedSkus|devices/.test(u)),
        graph.urls.join('\n'),
      );
    });
  });
});
