import assert from 'node:assert/strict';
import { missingWritePermissions } from '../../src/graph/write-permissions.js';

describe('write permissions per provisioning feature', () => {
  it('names the least privileged permission each unmet feature needs', () => {
    const missing = missingWritePermissions(['User.Read.All', 'GroupMember.ReadWrite.All'], { scim: false });
    const byFeature = Object.fromEntries(missing.map((m) => [m.feature, m.missingPermission]));
    assert.equal(byFeature['group_membership'], undefined);
    assert.equal(byFeature['role_assignment'], 'RoleAssignmentSchedule.ReadWrite.Directory');
    assert.equal(byFeature['role_eligibility'], 'RoleEligibilitySchedule.ReadWrite.Directory');
    assert.equal(byFeature['app_role_assignment'], 'AppRoleAssignment.ReadWrite.All');
    assert.equal(byFeature['app_owner'], 'Application.ReadWrite.All');
    assert.equal(byFeature['license'], 'LicenseAssignment.ReadWrite.All');
    assert.equal(byFeature['revoke_mfa'], 'UserAuthenticationMethod.ReadWrite.All');
    assert.equal(byFeature['scim'], undefined, 'SCIM is only checked when switched on');
    assert.equal(
      missingWritePermissions([], { scim: true }).find((m) => m.feature === 'scim')?.missingPermission,
      'Synchronization.ReadWrite.All',
    );
  });

  it('names per role feature what PIM takes, and what roleAssignments takes in a tenant without P2', () => {
    const pimOnly = [
      'RoleAssignmentSchedule.ReadWrite.Directory',
      'RoleEligibilitySchedule.ReadWrite.Directory',
    ];
    const features = (granted: string[], pim?: boolean) =>
      missingWritePermissions(granted, { scim: false, ...(pim === undefined ? {} : { pim }) })
        .filter((m) => m.feature.startsWith('role_'))
        .map((m) => `${m.feature} ${m.missingPermission}`);
    assert.deepEqual(features(pimOnly), []);
    assert.deepEqual(features(pimOnly, true), []);
    assert.deepEqual(features(pimOnly, false), ['role_assignment RoleManagement.ReadWrite.Directory']);
    assert.deepEqual(features(['RoleManagement.ReadWrite.Directory']), []);
    assert.deepEqual(features(['RoleManagement.ReadWrite.Directory'], false), []);
    assert.deepEqual(features(['RoleAssignmentSchedule.ReadWrite.Directory']), [
      'role_eligibility RoleEligibilitySchedule.ReadWrite.Directory',
    ]);
  });

  it('accepts a broader permission in place of the narrow one', () => {
    const missing = missingWritePermissions(['Directory.ReadWrite.All'], { scim: false }).map(
      (m) => m.feature,
    );
    assert.ok(!missing.includes('group_membership'));
    assert.ok(!missing.includes('account'));
    assert.ok(missing.includes('role_assignment'));
  });
});
