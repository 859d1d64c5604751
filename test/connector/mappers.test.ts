import assert from 'node:assert/strict';
import { joinType, toDeviceResource } from '../../src/connector/device/resource.js';
import {
  appEntitlements,
  isSyncedApplication,
  toAppResource,
} from '../../src/connector/enterprise-application/resource.js';
import { groupType, toGroupResource } from '../../src/connector/group/resource.js';
import { toLicenseResource } from '../../src/connector/license/resource.js';
import { toManagedIdentityResource } from '../../src/connector/managed-identity/resource.js';
import { toRoleResource } from '../../src/connector/role/resource.js';
import type { GraphUser } from '../../src/connector/user/graph.js';
import { toUserResource, type UserExtras } from '../../src/connector/user/resource.js';
import { testConfig } from '../framework/engine/support/harness.js';

const NOW = Date.parse('2026-11-23T00:00:00Z');

describe('resource mappers (Graph JSON → resources)', () => {
  describe('user', () => {
    const base = {
      id: 'u1',
      displayName: 'Ada Lovelace',
      userPrincipalName: 'ada@contoso.test',
      mail: 'ada@contoso.com',
      otherMails: ['ada@home.test'],
      jobTitle: 'Analyst',
      department: 'R&D',
      employeeId: 'E1',
      employeeType: 'Employee',
      userType: 'Member',
      accountEnabled: true,
      createdDateTime: '2020-01-01T00:00:00Z',
      onPremisesSyncEnabled: true,
      onPremisesExtensionAttributes: { extensionAttribute1: 'cost-42', extensionAttribute2: null },
    };
    const cases: {
      name: string;
      user: GraphUser;
      extras?: Partial<UserExtras>;
      check(r: ReturnType<typeof toUserResource>): void;
    }[] = [
      {
        name: 'profile, login = UPN, emails, status, employee id',
        user: base,
        check: (r) => {
          assert.equal(r.id.resource, 'u1');
          assert.equal(r.user?.login, 'ada@contoso.test');
          assert.deepEqual(r.user?.emails, ['ada@contoso.com', 'ada@home.test']);
          assert.equal(r.status, 'enabled');
          assert.deepEqual(r.user?.employeeIds, ['E1']);
          assert.equal(r.profile.job_title, 'Analyst');
          assert.equal(r.profile.on_premises_sync_enabled, true);
          assert.equal(r.profile.user_type, 'Member');
          assert.equal(r.profile.extension_attribute_1, undefined, 'extension attributes only when enabled');
        },
      },
      {
        name: 'no mail: the UPN is the email; disabled account',
        user: { ...base, mail: null, otherMails: [], accountEnabled: false },
        check: (r) => {
          assert.deepEqual(r.user?.emails, ['ada@contoso.test']);
          assert.equal(r.status, 'disabled');
          assert.equal(r.user?.status, 'disabled');
        },
      },
      {
        name: 'manager, sign-in (latest of both kinds), extension attributes, stale',
        user: base,
        extras: {
          managerId: 'm1',
          managerEmail: 'boss@contoso.test',
          signIn: {
            lastSignInDateTime: '2026-01-01T00:00:00Z',
            lastNonInteractiveSignInDateTime: '2026-02-01T00:00:00Z',
          },
          staleDays: 90,
          extensionAttributes: true,
        },
        check: (r) => {
          assert.equal(r.profile.manager_id, 'm1');
          assert.equal(r.profile.manager_email, 'boss@contoso.test');
          assert.equal(r.user?.lastLogin, '2026-02-01T00:00:00Z');
          assert.equal(r.profile.extension_attribute_1, 'cost-42');
          assert.ok(!('extension_attribute_2' in r.profile));
          assert.equal(r.profile.stale, true);
        },
      },
      {
        name: 'recent sign-in is not stale',
        user: base,
        extras: { signIn: { lastSignInDateTime: '2026-11-20T00:00:00Z' }, staleDays: 90 },
        check: (r) => assert.equal(r.profile.stale, false),
      },
    ];
    for (const c of cases) {
      it(c.name, () =>
        c.check(toUserResource(c.user, { now: NOW, extensionAttributes: false, ...c.extras })),
      );
    }
  });

  describe('group', () => {
    const table: [Record<string, unknown>, string, string][] = [
      [{ groupTypes: ['Unified'], mailEnabled: true, securityEnabled: false }, 'microsoft_365', 'assigned'],
      [
        { groupTypes: ['Unified', 'DynamicMembership'], mailEnabled: true, securityEnabled: false },
        'microsoft_365',
        'dynamic',
      ],
      [{ groupTypes: [], mailEnabled: true, securityEnabled: true }, 'mail_enabled_security', 'assigned'],
      [{ groupTypes: [], mailEnabled: false, securityEnabled: true }, 'security', 'assigned'],
      [
        { groupTypes: ['DynamicMembership'], mailEnabled: false, securityEnabled: true },
        'security',
        'dynamic',
      ],
      [{ groupTypes: [], mailEnabled: true, securityEnabled: false }, 'distribution', 'assigned'],
    ];
    for (const [g, type, membership] of table) {
      it(`${JSON.stringify(g)} → ${type}/${membership}`, () => {
        const r = toGroupResource({ id: 'g', displayName: 'G', ...g });
        assert.equal(groupType(g), type);
        assert.equal(r.profile.group_type, type);
        assert.equal(r.profile.membership_type, membership);
      });
    }
    it('carries on-premises flags and role-assignability', () => {
      const r = toGroupResource({
        id: 'g',
        displayName: 'G',
        onPremisesSyncEnabled: true,
        isAssignableToRole: true,
        onPremisesSamAccountName: 'G$',
      });
      assert.equal(r.profile.on_premises_sync_enabled, true);
      assert.equal(r.profile.is_assignable_to_role, true);
      assert.equal(r.profile.on_premises_sam_account_name, 'G$');
    });
  });

  describe('enterprise application and managed identity', () => {
    const sp = {
      id: 'sp1',
      displayName: 'Payroll',
      servicePrincipalType: 'Application',
      appOwnerOrganizationId: 'org',
      homepage: 'https://payroll.test',
      appRoles: [
        { id: 'r-user', value: 'Reader', allowedMemberTypes: ['User'] },
        { id: 'r-both', displayName: 'Both', allowedMemberTypes: ['User', 'Application'] },
        { id: 'r-app', value: 'Daemon', allowedMemberTypes: ['Application'] },
      ],
    };
    it('entitlements: owner, default access, one per app role, grantable to the member types it allows', () => {
      const r = toAppResource(sp, new Set(['org']));
      assert.equal(r.profile.tenant_owned, true);
      assert.equal(r.externalLink, 'https://payroll.test');
      assert.deepEqual(
        appEntitlements(r, sp).map((e) => [e.slug, e.grantableTo]),
        [
          ['owner', ['user', 'enterprise_application', 'managed_identity']],
          ['assignment:00000000-0000-0000-0000-000000000000', ['user', 'group']],
          ['assignment:r-user', ['user', 'group']],
          ['assignment:r-both', ['user', 'group', 'enterprise_application', 'managed_identity']],
          ['assignment:r-app', ['enterprise_application', 'managed_identity']],
        ],
      );
    });
    const which: [
      string,
      Record<string, unknown>,
      boolean,
      Partial<ReturnType<typeof testConfig>>,
      boolean,
    ][] = [
      ['tenant-owned, unassigned', { appOwnerOrganizationId: 'org' }, false, {}, true],
      [
        'tenant-owned, unassigned, skipUnassignedApps',
        { appOwnerOrganizationId: 'org' },
        false,
        { skipUnassignedApps: true },
        false,
      ],
      [
        'Microsoft first-party, unassigned',
        { appOwnerOrganizationId: 'f8cdef31-a31e-4b4a-93e4-5f571e91255a' },
        false,
        {},
        false,
      ],
      [
        'Microsoft first-party, assigned',
        { appOwnerOrganizationId: 'f8cdef31-a31e-4b4a-93e4-5f571e91255a' },
        true,
        {},
        true,
      ],
      [
        'managed identity',
        { servicePrincipalType: 'ManagedIdentity', appOwnerOrganizationId: 'org' },
        true,
        {},
        false,
      ],
    ];
    for (const [name, patch, assigned, cfg, want] of which) {
      it(`synced as an application: ${name} → ${want}`, () => {
        assert.equal(
          isSyncedApplication({ ...sp, ...patch }, new Set(['org']), assigned, testConfig(cfg)),
          want,
        );
      });
    }
    it('managed identity is a service account', () => {
      const r = toManagedIdentityResource({
        id: 'mi',
        displayName: 'vm',
        appId: 'a1',
        servicePrincipalType: 'ManagedIdentity',
      });
      assert.equal(r.user?.accountType, 'service');
      assert.equal(r.user?.login, 'a1');
    });
  });

  describe('role, license, device', () => {
    it('role definition', () => {
      const r = toRoleResource({
        id: 'rd',
        displayName: 'Global Administrator',
        isBuiltIn: true,
        isEnabled: true,
        templateId: 't',
      });
      assert.deepEqual(r.profile, { template_id: 't', is_built_in: true, is_enabled: true });
    });
    it('subscribed SKU', () => {
      const r = toLicenseResource({
        skuId: 's',
        skuPartNumber: 'E5',
        capabilityStatus: 'Suspended',
        consumedUnits: 3,
        prepaidUnits: { enabled: 10 },
      });
      assert.equal(r.displayName, 'E5');
      assert.equal(r.status, 'disabled');
      assert.equal(r.profile.seats, 10);
    });
    const joins: [string, string | undefined][] = [
      ['AzureAd', 'entra'],
      ['ServerAd', 'hybrid'],
      ['Workplace', 'registered'],
      ['Other', undefined],
    ];
    for (const [trust, join] of joins)
      it(`trustType ${trust} → ${String(join)}`, () => assert.equal(joinType(trust), join));
    it('device staleness marks profile and status', () => {
      const old = toDeviceResource(
        {
          id: 'd',
          displayName: 'pc',
          trustType: 'AzureAd',
          approximateLastSignInDateTime: '2025-01-01T00:00:00Z',
        },
        NOW,
        30,
      );
      assert.equal(old.profile.stale, true);
      assert.equal(old.status, 'disabled');
      const fresh = toDeviceResource(
        { id: 'd', displayName: 'pc', approximateLastSignInDateTime: '2026-11-20T00:00:00Z' },
        NOW,
        30,
      );
      assert.equal(fresh.status, 'enabled');
      assert.equal(fresh.profile.stale, false);
    });
  });
});
