import assert from 'node:assert/strict';
import { ALL_READ_ROLES, CLIENT_ID, guid } from './support/fixture-data.js';
import { raw, startFixtureSim, token, type FixtureSim, type Json } from './support/sim.js';

const ZERO = '00000000-0000-0000-0000-000000000000';
const GA = guid('62e90394', 1);
const HELPDESK = guid('729827e3', 1);
const user = (n: number) => guid('00000a11', n);
const group = (n: number) => guid('00006400', n);
const sp = (n: number) => guid('0000059a', n);
const ref = (id: string) => `https://graph.microsoft.com/v1.0/directoryObjects/${id}`;

describe('simulator provisioning writes', () => {
  let f: FixtureSim;
  let tok: string;
  let now = Date.parse('2026-03-01T00:00:00Z');
  const send = (
    method: string,
    path: string,
    body?: unknown,
    t = tok,
    headers: Record<string, string> = {},
  ) =>
    raw(f.sim, path.startsWith('/v1.0') || path.startsWith('/beta') ? path : `/v1.0${path}`, {
      method,
      token: t,
      headers: { 'content-type': 'application/json', ...headers },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
  const get = (url: string, headers: Record<string, string> = {}) => {
    const u = new URL(url, f.sim.url);
    return raw(f.sim, u.pathname + u.search, { token: tok, headers });
  };
  /** A token whose `roles` are exactly `roles` (the client's grant is put back afterwards). */
  async function tokenWith(roles: string[]): Promise<string> {
    const c = f.tenant.clients.get(CLIENT_ID)!;
    f.tenant.updateClient(CLIENT_ID, { graphRoles: roles });
    try {
      return await token(f.sim);
    } finally {
      f.tenant.updateClient(CLIENT_ID, { graphRoles: c.graphRoles });
    }
  }
  /** Everything a delta link returns until the next deltaLink. */
  async function drain(link: string): Promise<{ items: Json[]; deltaLink: string }> {
    const items: Json[] = [];
    let next = link;
    for (;;) {
      const r = await get(next);
      assert.equal(r.status, 200, JSON.stringify(r.body));
      items.push(...r.body.value);
      if (r.body['@odata.deltaLink']) return { items, deltaLink: r.body['@odata.deltaLink'] };
      next = r.body['@odata.nextLink'];
    }
  }
  const latest = async (set: string, select: string) =>
    (await send('GET', `/${set}/delta?$select=${select}&$deltatoken=latest`)).body[
      '@odata.deltaLink'
    ] as string;

  before(async () => {
    f = await startFixtureSim({ users: 20, groups: 8 }, { throttling: false, now: () => now });
    f.tenant.roleDefinitions.set(HELPDESK, {
      id: HELPDESK,
      displayName: 'Helpdesk Administrator',
      description: 'Helpdesk',
      isBuiltIn: true,
      isEnabled: true,
      templateId: HELPDESK,
      version: '1',
      resourceScopes: ['/'],
      rolePermissions: [],
    });
    f.tenant.updateClient(CLIENT_ID, {
      graphRoles: [...ALL_READ_ROLES, 'UserAuthenticationMethod.ReadWrite.All'],
    });
    tok = await token(f.sim);
  });
  after(() => f.sim.close());

  describe('PIM schedule requests', () => {
    const eligibility = (body: Json, t = tok) =>
      send('POST', '/roleManagement/directory/roleEligibilityScheduleRequests', body, t);
    const assignment = (body: Json, t = tok) =>
      send('POST', '/roleManagement/directory/roleAssignmentScheduleRequests', body, t);
    const target = (principalId: string, roleDefinitionId = HELPDESK) => ({
      principalId,
      roleDefinitionId,
      directoryScopeId: '/',
    });
    const forever = { startDateTime: '2026-03-01T00:00:00Z', expiration: { type: 'NoExpiration' } };

    it('eligibility: adminAssign 201 → listed; again 400 RoleAssignmentExists; adminRemove 201 Revoked; again 400 RoleAssignmentDoesNotExist', async () => {
      const u = user(4);
      const made = await eligibility({ action: 'adminAssign', ...target(u), scheduleInfo: forever });
      assert.equal(made.status, 201, JSON.stringify(made.body));
      assert.equal(made.body.status, 'Provisioned');
      assert.equal(made.body.action, 'adminAssign');
      assert.equal(made.body.scheduleInfo.expiration.type, 'noExpiration', 'enum echoed in its own case');
      const listed = await send(
        'GET',
        `/roleManagement/directory/roleEligibilityScheduleInstances?$filter=principalId eq '${u}'`,
      );
      assert.deepEqual(
        listed.body.value.map((i: Json) => [i.roleDefinitionId, i.endDateTime]),
        [[HELPDESK, null]],
      );
      const schedules = await send(
        'GET',
        `/roleManagement/directory/roleEligibilitySchedules?$filter=principalId eq '${u}'`,
      );
      assert.equal(schedules.body.value[0].status, 'Provisioned');
      assert.equal(
        (await send('GET', `/roleManagement/directory/roleAssignments?$filter=principalId eq '${u}'`)).body
          .value.length,
        0,
        'an eligibility is not an active assignment',
      );
      const again = await eligibility({ action: 'adminAssign', ...target(u), scheduleInfo: forever });
      assert.equal(again.status, 400);
      assert.equal(again.body.error.code, 'RoleAssignmentExists');
      assert.equal(again.body.error.message, 'The Role assignment already exists.');
      const removed = await eligibility({ action: 'adminRemove', ...target(u) });
      assert.equal(removed.status, 201);
      assert.equal(removed.body.status, 'Revoked');
      assert.equal(
        (
          await send(
            'GET',
            `/roleManagement/directory/roleEligibilityScheduleInstances?$filter=principalId eq '${u}'`,
          )
        ).body.value.length,
        0,
      );
      const gone = await eligibility({ action: 'adminRemove', ...target(u) });
      assert.equal(gone.status, 400);
      assert.equal(gone.body.error.code, 'RoleAssignmentDoesNotExist');
      const requests = await send('GET', '/roleManagement/directory/roleEligibilityScheduleRequests');
      assert.deepEqual(
        requests.body.value.map((r: Json) => r.action),
        ['adminAssign', 'adminRemove'],
      );
      const audits = (await send('GET', '/auditLogs/directoryAudits?$top=2')).body.value;
      assert.equal(
        audits[0].activityDisplayName,
        'Remove eligible member from role in PIM completed (permanent)',
      );
      assert.equal(audits[1].activityDisplayName, 'Add eligible member to role in PIM completed (permanent)');
    });

    it('active: justification required; a PT8H assignment shows in roleAssignments, instances and directoryRoles, and is gone after it ends', async () => {
      const u = user(6);
      const noReason = await assignment({
        action: 'adminAssign',
        ...target(u),
        scheduleInfo: { expiration: { type: 'afterDuration', duration: 'PT8H' } },
      });
      assert.equal(noReason.status, 400);
      assert.equal(noReason.body.error.code, 'RoleAssignmentRequestPolicyValidationFailed');
      assert.equal(noReason.body.error.message, 'The following policy rules failed: ["JustificationRule"]');
      const made = await assignment({
        action: 'adminAssign',
        ...target(u),
        justification: 'on call',
        scheduleInfo: { expiration: { type: 'afterDuration', duration: 'PT8H' } },
      });
      assert.equal(made.status, 201, JSON.stringify(made.body));
      const ra = await send('GET', `/roleManagement/directory/roleAssignments?$filter=principalId eq '${u}'`);
      assert.equal(ra.body.value.length, 1);
      assert.match(ra.body.value[0].id, /^[A-Za-z0-9_-]{43}-1$/);
      const inst = (
        await send(
          'GET',
          `/roleManagement/directory/roleAssignmentScheduleInstances?$filter=principalId eq '${u}'`,
        )
      ).body.value;
      assert.deepEqual(
        inst.map((i: Json) => [i.assignmentType, i.startDateTime, i.endDateTime]),
        [['Assigned', '2026-03-01T00:00:00Z', '2026-03-01T08:00:00Z']],
      );
      assert.ok(
        (await send('GET', '/directoryRoles')).body.value.some((r: Json) => r.id === HELPDESK),
        'the role is activated',
      );
      now += 9 * 3_600_000;
      const saved = tok;
      try {
        tok = await token(f.sim); // the first token expired with the clock
        assert.equal(
          (await send('GET', `/roleManagement/directory/roleAssignments?$filter=principalId eq '${u}'`)).body
            .value.length,
          0,
          'an ended assignment is gone',
        );
        assert.equal(
          (
            await send(
              'GET',
              `/roleManagement/directory/roleAssignmentScheduleInstances?$filter=principalId eq '${u}'`,
            )
          ).body.value.length,
          0,
        );
        const removeEnded = await assignment({ action: 'adminRemove', ...target(u) });
        assert.equal(removeEnded.body.error.code, 'RoleAssignmentDoesNotExist');
        const end = '2026-06-01T00:00:00Z';
        const renewed = await assignment({
          action: 'adminAssign',
          ...target(u),
          justification: 'again',
          scheduleInfo: { expiration: { type: 'afterDateTime', endDateTime: end } },
        });
        assert.equal(renewed.status, 201, 'an ended assignment can be assigned anew');
        assert.equal(renewed.body.scheduleInfo.expiration.endDateTime, end);
        assert.equal(
          f.tenant.roleAssignmentScheduleInstances.get(renewed.body.targetScheduleId)!.endDateTime,
          end,
        );
        assert.equal((await assignment({ action: 'adminRemove', ...target(u) })).body.status, 'Revoked');
      } finally {
        now -= 9 * 3_600_000;
        tok = saved;
      }
    });

    it('validation: action, principal, schedule and scope errors; a group must be role-assignable', async () => {
      const u = user(7);
      const cases: [Json, number, RegExp][] = [
        [
          { action: 'adminGrant', ...target(u), scheduleInfo: forever },
          400,
          /Invalid value 'adminGrant' for property 'action'/,
        ],
        [{ action: 'selfActivate', ...target(u), scheduleInfo: forever }, 400, /adminAssign and adminRemove/],
        [
          { action: 'adminAssign', roleDefinitionId: HELPDESK, directoryScopeId: '/', scheduleInfo: forever },
          400,
          /'principalId' is required/,
        ],
        [{ action: 'adminAssign', ...target(user(999)), scheduleInfo: forever }, 404, /does not exist/],
        [{ action: 'adminAssign', ...target(u, guid('1', 1)), scheduleInfo: forever }, 404, /does not exist/],
        [{ action: 'adminAssign', ...target(u) }, 400, /'scheduleInfo' is required/],
        [
          {
            action: 'adminAssign',
            ...target(u),
            scheduleInfo: { expiration: { type: 'afterDuration', duration: '8 hours' } },
          },
          400,
          /ISO 8601 duration/,
        ],
        [
          {
            action: 'adminAssign',
            ...target(u),
            scheduleInfo: {
              startDateTime: '2026-03-02T00:00:00Z',
              expiration: { type: 'afterDateTime', endDateTime: '2026-03-01T00:00:00Z' },
            },
          },
          400,
          /later than the startDateTime/,
        ],
        [{ action: 'adminAssign', ...target(group(3)), scheduleInfo: forever }, 400, /not role-assignable/],
        [
          {
            action: 'adminAssign',
            ...target(u),
            directoryScopeId: '/administrativeUnits/nope',
            scheduleInfo: forever,
          },
          400,
          /directoryScopeId/,
        ],
      ];
      for (const [body, status, message] of cases) {
        const r = await eligibility(body);
        assert.equal(r.status, status, JSON.stringify([body, r.body]));
        assert.match(r.body.error.message, message);
      }
      assert.equal(
        f.tenant.roleEligibilityScheduleInstances.size,
        0,
        'no failed request left anything behind',
      );
      const validationOnly = await eligibility({
        action: 'adminAssign',
        ...target(u),
        scheduleInfo: forever,
        isValidationOnly: true,
      });
      assert.equal(validationOnly.status, 201);
      assert.equal(f.tenant.roleEligibilityScheduleInstances.size, 0, 'isValidationOnly changes nothing');
    });

    it('permissions: RoleEligibilitySchedule.ReadWrite.Directory writes eligibilities only; a read permission gets 403', async () => {
      const eligibleOnly = await tokenWith(['RoleEligibilitySchedule.ReadWrite.Directory']);
      const ok = await eligibility(
        { action: 'adminAssign', ...target(user(8)), scheduleInfo: forever },
        eligibleOnly,
      );
      assert.equal(ok.status, 201);
      const denied = await assignment(
        { action: 'adminAssign', ...target(user(8)), justification: 'x', scheduleInfo: forever },
        eligibleOnly,
      );
      assert.equal(denied.status, 403);
      assert.equal(denied.body.error.code, 'Authorization_RequestDenied');
      const readOnly = await tokenWith(['RoleManagement.Read.Directory']);
      assert.equal((await eligibility({ action: 'adminRemove', ...target(user(8)) }, readOnly)).status, 403);
      assert.equal((await eligibility({ action: 'adminRemove', ...target(user(8)) })).status, 201);
    });

    it('roleAssignments: a direct assignment has an Assigned instance; a duplicate is 400 "A conflicting object"', async () => {
      const body = { roleDefinitionId: HELPDESK, principalId: user(9), directoryScopeId: '/' };
      const made = await send('POST', '/roleManagement/directory/roleAssignments', body);
      assert.equal(made.status, 201);
      assert.equal(f.tenant.roleAssignmentScheduleInstances.get(made.body.id)!.assignmentType, 'Assigned');
      const dup = await send('POST', '/roleManagement/directory/roleAssignments', body);
      assert.equal(dup.status, 400);
      assert.equal(dup.body.error.code, 'Request_BadRequest');
      const viaPim = await assignment({
        action: 'adminAssign',
        ...target(user(9)),
        justification: 'x',
        scheduleInfo: forever,
      });
      assert.equal(viaPim.body.error.code, 'RoleAssignmentExists', 'PIM sees a direct assignment');
      assert.equal(
        (await send('DELETE', `/roleManagement/directory/roleAssignments/${made.body.id}`)).status,
        204,
      );
      assert.ok(!f.tenant.roleAssignmentScheduleInstances.has(made.body.id));
    });
  });

  describe('app role assignments', () => {
    it('default access (all-zero role): grant 201, again 400 "already exists", revoke 204, again 404', async () => {
      const resource = sp(0);
      const body = { principalId: user(10), resourceId: resource, appRoleId: ZERO };
      const made = await send('POST', `/servicePrincipals/${resource}/appRoleAssignedTo`, body);
      assert.equal(made.status, 201, JSON.stringify(made.body));
      assert.equal(made.body.appRoleId, ZERO);
      const dup = await send('POST', `/servicePrincipals/${resource}/appRoleAssignedTo`, body);
      assert.equal(dup.status, 400);
      assert.equal(dup.body.error.code, 'Request_BadRequest');
      assert.equal(dup.body.error.message, 'Permission being assigned already exists on the object');
      assert.equal(
        (await send('DELETE', `/servicePrincipals/${resource}/appRoleAssignedTo/${made.body.id}`)).status,
        204,
      );
      const again = await send('DELETE', `/servicePrincipals/${resource}/appRoleAssignedTo/${made.body.id}`);
      assert.equal(again.status, 404);
      assert.equal(again.body.error.code, 'Request_ResourceNotFound');
    });

    it("from the principal's side: POST and DELETE /groups/{id}/appRoleAssignments; role not allowing the type is 400", async () => {
      const resource = f.tenant.servicePrincipals.get(sp(1))!;
      const made = await send('POST', `/groups/${group(3)}/appRoleAssignments`, {
        principalId: group(3),
        resourceId: resource.id,
        appRoleId: resource.appRoles[0]!.id,
      });
      assert.equal(made.status, 201);
      const listed = await send('GET', `/servicePrincipals/${resource.id}/appRoleAssignedTo`);
      assert.ok(listed.body.value.some((a: Json) => a.id === made.body.id));
      assert.equal(made.body.principalType, 'Group');
      const mismatch = await send('POST', `/groups/${group(3)}/appRoleAssignments`, {
        principalId: group(4),
        resourceId: resource.id,
        appRoleId: ZERO,
      });
      assert.equal(mismatch.status, 400);
      assert.equal(
        (await send('DELETE', `/groups/${group(4)}/appRoleAssignments/${made.body.id}`)).status,
        404,
      );
      assert.equal(
        (await send('DELETE', `/groups/${group(3)}/appRoleAssignments/${made.body.id}`)).status,
        204,
      );
      const appOnly = await send('POST', `/servicePrincipals/${sp(2)}/appRoleAssignments`, {
        resourceId: resource.id,
        appRoleId: resource.appRoles[0]!.id,
      });
      assert.equal(appOnly.status, 400, 'the Reader role allows users only');
      assert.match(
        appOnly.body.error.message,
        /does not allow assignment to principals of type 'ServicePrincipal'/,
      );
      const denied = await send(
        'POST',
        `/groups/${group(3)}/appRoleAssignments`,
        { resourceId: resource.id, appRoleId: ZERO },
        await tokenWith(['Application.Read.All', 'User.Read.All']),
      );
      assert.equal(denied.status, 403);
    });
  });

  describe('groups', () => {
    it('POST /groups: a security group with owners and members, visible in groups/delta with members@delta', async () => {
      const link = await latest('groups', 'displayName,members');
      const made = await send('POST', '/groups', {
        displayName: 'Provisioned SG',
        mailEnabled: false,
        mailNickname: 'provisioned-sg',
        securityEnabled: true,
        'owners@odata.bind': [`https://graph.microsoft.com/v1.0/users/${user(2)}`],
        'members@odata.bind': [ref(user(3)), ref(user(4)), ref(f.tenant.devices.keys().next().value!)],
      });
      assert.equal(made.status, 201, JSON.stringify(made.body));
      assert.deepEqual(made.body.groupTypes, []);
      assert.equal(made.body.mail, null);
      assert.deepEqual(f.tenant.ownersOf(made.body.id), [user(2)]);
      assert.equal(f.tenant.membersOf(made.body.id).length, 3);
      const delta = await drain(link);
      const unit = delta.items.find((x) => x.id === made.body.id);
      assert.equal(unit.displayName, 'Provisioned SG');
      assert.deepEqual(
        unit['members@delta'].map((m: Json) => m.id).sort(),
        [...f.tenant.membersOf(made.body.id)].sort(),
      );
      const audits = (await send('GET', '/auditLogs/directoryAudits?$top=5')).body.value.map(
        (a: Json) => a.activityDisplayName,
      );
      assert.deepEqual(audits.slice(0, 5), [
        'Add member to group',
        'Add member to group',
        'Add member to group',
        'Add owner to group',
        'Add group',
      ]);
    });

    it('POST /groups: Microsoft 365 group gets a mail address; its alias is unique; validation errors as Graph words them', async () => {
      const m365 = {
        displayName: 'Library Assist',
        groupTypes: ['Unified'],
        mailEnabled: true,
        mailNickname: 'library',
        securityEnabled: false,
      };
      const made = await send('POST', '/groups', m365);
      assert.equal(made.status, 201);
      assert.equal(made.body.mail, 'library@fixture.onmicrosoft.com');
      assert.deepEqual(made.body.proxyAddresses, ['SMTP:library@fixture.onmicrosoft.com']);
      assert.equal(made.body.visibility, 'Public');
      const dup = await send('POST', '/groups', { ...m365, displayName: 'Other' });
      assert.equal(dup.status, 400);
      assert.equal(
        dup.body.error.message,
        'Another object with the same value for property mailNickname already exists.',
      );
      const before = f.tenant.groups.size;
      const noAlias = await send('POST', '/groups', {
        displayName: 'x',
        mailEnabled: false,
        securityEnabled: true,
      });
      assert.equal(noAlias.status, 400);
      assert.equal(noAlias.body.error.code, 'Request_BadRequest');
      assert.equal(
        noAlias.body.error.message,
        "Invalid value specified for property 'mailNickname' of resource 'Group'.",
      );
      assert.deepEqual(noAlias.body.error.details, [{ code: 'InvalidValue', target: 'mailNickname' }]);
      const spaced = await send('POST', '/groups', {
        displayName: 'x',
        mailEnabled: false,
        mailNickname: 'has space',
        securityEnabled: true,
      });
      assert.equal(spaced.body.error.details[0].target, 'mailNickname');
      const mesg = await send('POST', '/groups', {
        displayName: 'x',
        mailEnabled: true,
        mailNickname: 'mesg',
        securityEnabled: true,
      });
      assert.equal(mesg.status, 400);
      assert.match(
        mesg.body.error.message,
        /^The service does not currently support writes of mail-enabled groups\./,
      );
      const tooMany = await send('POST', '/groups', {
        displayName: 'x',
        mailEnabled: false,
        mailNickname: 'many',
        securityEnabled: true,
        'members@odata.bind': Array.from({ length: 21 }, (_, i) => ref(user(i % 20))),
      });
      assert.equal(tooMany.status, 400);
      assert.match(tooMany.body.error.message, /A maximum of 20 relationships/);
      const deviceInM365 = await send('POST', '/groups', {
        ...m365,
        mailNickname: 'lib2',
        'members@odata.bind': [ref(user(1)), ref(f.tenant.devices.keys().next().value!)],
      });
      assert.equal(deviceInM365.status, 400, 'Microsoft 365 groups take users only');
      assert.equal(f.tenant.groups.size, before, 'no failed create left a group behind');
    });

    it('POST /groups permissions: Group.Create binds only what the app can read; role-assignable needs RoleManagement.ReadWrite.Directory', async () => {
      const body = {
        displayName: 'By Group.Create',
        mailEnabled: false,
        mailNickname: 'bygroupcreate',
        securityEnabled: true,
        'members@odata.bind': [ref(user(5))],
      };
      assert.equal((await send('POST', '/groups', body, await tokenWith(['Group.Create']))).status, 403);
      assert.equal((await send('POST', '/groups', body, await tokenWith(['Group.Read.All']))).status, 403);
      assert.equal(
        (await send('POST', '/groups', body, await tokenWith(['Group.Create', 'User.Read.All']))).status,
        201,
      );
      const roleGroup = {
        displayName: 'Role group',
        mailEnabled: false,
        mailNickname: 'rolegroup',
        securityEnabled: true,
        isAssignableToRole: true,
      };
      assert.equal(
        (await send('POST', '/groups', roleGroup, await tokenWith(['Group.ReadWrite.All']))).status,
        403,
      );
      const made = await send('POST', '/groups', roleGroup);
      assert.equal(made.status, 201);
      assert.equal(made.body.isAssignableToRole, true);
      const pim = await send('POST', '/roleManagement/directory/roleEligibilityScheduleRequests', {
        action: 'adminAssign',
        principalId: made.body.id,
        roleDefinitionId: GA,
        directoryScopeId: '/',
        scheduleInfo: { expiration: { type: 'noExpiration' } },
      });
      assert.equal(pim.status, 201, 'a role-assignable group can be made eligible');
      const memberOnly = await tokenWith(['GroupMember.ReadWrite.All']);
      assert.equal(
        (
          await send(
            'POST',
            `/groups/${made.body.id}/members/$ref`,
            { '@odata.id': ref(user(5)) },
            memberOnly,
          )
        ).status,
        403,
        "a role-assignable group's members need RoleManagement.ReadWrite.Directory",
      );
    });

    it('members@odata.bind: 20 at most, all or nothing; a member add shows in groups/delta', async () => {
      const g = group(1);
      const link = await latest('groups', 'members');
      const refs = (ns: number[]) => ns.map((n) => ref(user(n)));
      const over = await send('PATCH', `/groups/${g}`, {
        'members@odata.bind': refs(Array.from({ length: 21 }, (_, i) => i % 20)),
      });
      assert.equal(over.status, 400);
      assert.equal(over.body.error.message, 'A maximum of 20 objects can be added in a single request.');
      const fresh = [15, 16].filter((n) => !f.tenant.membersOf(g).includes(user(n)));
      assert.equal(fresh.length, 2);
      const device = f.tenant.devices.keys().next().value!;
      const mixed = await send('PATCH', `/groups/${g}`, {
        'members@odata.bind': [...refs(fresh), ref(device)],
      });
      assert.equal(mixed.status, 400, 'group 1 is a Microsoft 365 group: no devices');
      assert.ok(!f.tenant.membersOf(g).includes(user(15)), 'nothing added');
      assert.equal((await send('PATCH', `/groups/${g}`, { 'members@odata.bind': refs(fresh) })).status, 204);
      const delta = await drain(link);
      const unit = delta.items.find((x) => x.id === g);
      assert.deepEqual(unit['members@delta'].map((m: Json) => m.id).sort(), fresh.map(user).sort());
    });
  });

  describe('users', () => {
    const newUser = (upn: string, password = 'Prov!sion9') => ({
      accountEnabled: true,
      displayName: upn.split('@')[0],
      mailNickname: upn.split('@')[0],
      userPrincipalName: upn,
      passwordProfile: { password, forceChangePasswordNextSignIn: true },
    });

    it('POST /users: UPN domain must be verified, password complex, UPN unused (soft-deleted users included)', async () => {
      const foreign = await send('POST', '/users', newUser('prov-a@contoso.example'));
      assert.equal(foreign.status, 400);
      assert.equal(
        foreign.body.error.message,
        'The domain portion of the userPrincipalName property is invalid. You must use one of the verified domain names in your organization.',
      );
      for (const weak of ['short1A', 'alllowercase', 'lowerand123']) {
        const r = await send('POST', '/users', newUser('prov-a@fixture.onmicrosoft.com', weak));
        assert.equal(r.status, 400, weak);
        assert.equal(
          r.body.error.message,
          'The specified password does not comply with password complexity requirements. Please provide a different password.',
        );
      }
      const made = await send('POST', '/users', newUser('prov-a@fixture.onmicrosoft.com'));
      assert.equal(made.status, 201);
      assert.equal((await send('DELETE', `/users/${made.body.id}`)).status, 204);
      const taken = await send('POST', '/users', newUser('PROV-A@fixture.onmicrosoft.com'));
      assert.equal(taken.status, 400);
      assert.equal(
        taken.body.error.message,
        'Another object with the same value for property userPrincipalName already exists.',
      );
    });

    it('create, soft delete, count deleted by UPN prefix, restore under a new UPN; users/delta sees each step', async () => {
      const link = await latest('users', 'displayName,userPrincipalName');
      const made = await send('POST', '/users', newUser('prov-b@fixture.onmicrosoft.com'));
      assert.equal(made.status, 201);
      const created = await drain(link);
      assert.equal(
        created.items.find((x) => x.id === made.body.id).userPrincipalName,
        'prov-b@fixture.onmicrosoft.com',
      );
      assert.equal((await send('DELETE', `/users/${made.body.id}`)).status, 204);
      const removed = await drain(created.deltaLink);
      assert.deepEqual(removed.items.find((x) => x.id === made.body.id)['@removed'], { reason: 'changed' });
      const filter = `$filter=startswith(userPrincipalName,'prov-')`;
      const listed = await send(
        'GET',
        `/directory/deletedItems/microsoft.graph.user?${filter}&$count=true`,
        undefined,
        tok,
        {
          ConsistencyLevel: 'eventual',
        },
      );
      assert.equal(listed.status, 200, JSON.stringify(listed.body));
      assert.equal(listed.body['@odata.count'], 2, 'prov-a and prov-b are in the recycle bin');
      assert.ok(listed.body.value.every((u: Json) => typeof u.deletedDateTime === 'string'));
      const counted = await send(
        'GET',
        `/directory/deletedItems/microsoft.graph.user/$count?${filter}`,
        undefined,
        tok,
        {
          ConsistencyLevel: 'eventual',
        },
      );
      assert.equal(counted.body, 2);
      const elsewhere = await send('POST', `/directory/deletedItems/${made.body.id}/restore`, {
        newUserPrincipalName: 'prov-b@contoso.example',
      });
      assert.equal(elsewhere.status, 400);
      const restored = await send('POST', `/directory/deletedItems/${made.body.id}/restore`, {
        newUserPrincipalName: 'prov-b2@fixture.onmicrosoft.com',
        autoReconcileProxyConflict: true,
      });
      assert.equal(restored.status, 200);
      assert.equal(restored.body.userPrincipalName, 'prov-b2@fixture.onmicrosoft.com');
      const back = await drain(removed.deltaLink);
      assert.equal(
        back.items.find((x) => x.id === made.body.id).userPrincipalName,
        'prov-b2@fixture.onmicrosoft.com',
      );
    });

    it('manager $ref changes are audited as "Update user" naming the old and new manager', async () => {
      assert.equal(
        (await send('PUT', `/users/${user(13)}/manager/$ref`, { '@odata.id': ref(user(2)) })).status,
        204,
      );
      const [entry] = (await send('GET', '/auditLogs/directoryAudits?$top=1')).body.value;
      assert.equal(entry.activityDisplayName, 'Update user');
      assert.deepEqual(entry.targetResources[0].modifiedProperties, [
        { displayName: 'Manager', oldValue: 'null', newValue: JSON.stringify(user(2)) },
      ]);
    });
  });

  describe('authentication methods', () => {
    const methods = async (u: string) =>
      (await send('GET', `/users/${u}/authentication/methods`)).body.value as Json[];
    const segment: Record<string, string> = {
      '#microsoft.graph.phoneAuthenticationMethod': 'phoneMethods',
      '#microsoft.graph.microsoftAuthenticatorAuthenticationMethod': 'microsoftAuthenticatorMethods',
      '#microsoft.graph.fido2AuthenticationMethod': 'fido2Methods',
      '#microsoft.graph.softwareOathAuthenticationMethod': 'softwareOathMethods',
      '#microsoft.graph.emailAuthenticationMethod': 'emailMethods',
      '#microsoft.graph.windowsHelloForBusinessAuthenticationMethod': 'windowsHelloForBusinessMethods',
      '#microsoft.graph.temporaryAccessPassAuthenticationMethod': 'temporaryAccessPassMethods',
    };

    it('listed the same way every time; a user who needs MFA has the Authenticator app as default', async () => {
      const first = await methods(user(1));
      assert.deepEqual(await methods(user(1)), first);
      const types = first.map((m) => m['@odata.type']);
      assert.ok(types.includes('#microsoft.graph.passwordAuthenticationMethod'));
      assert.ok(types.includes('#microsoft.graph.microsoftAuthenticatorAuthenticationMethod'));
      assert.equal(
        first.find((m) => m['@odata.type'].includes('password')).id,
        '28c10230-6103-485e-b985-444c60001490',
      );
      const prefs = await send('GET', `/beta/users/${user(1)}/authentication/signInPreferences`);
      assert.equal(prefs.body.userPreferredMethodForSecondaryAuthentication, 'push');
      const phones = await send('GET', `/users/${user(1)}/authentication/phoneMethods`);
      assert.ok(
        phones.body.value.every(
          (m: Json) => m['@odata.type'] === '#microsoft.graph.phoneAuthenticationMethod',
        ),
      );
      assert.deepEqual(
        (await methods(user(0))).map((m) => m['@odata.type']),
        ['#microsoft.graph.passwordAuthenticationMethod'],
        'a user known to sign in with a password alone has nothing else',
      );
    });

    it('deletes: the password method cannot go (405), the default waits for the others, mobile waits for alternateMobile', async () => {
      const u = user(1);
      const all = await methods(u);
      const password = all.find((m) => m['@odata.type'].includes('password'));
      const pw = await send('DELETE', `/users/${u}/authentication/passwordMethods/${password.id}`);
      assert.equal(pw.status, 405);
      const authenticator = all.find((m) => m['@odata.type'].includes('microsoftAuthenticator'));
      const early = await send(
        'DELETE',
        `/users/${u}/authentication/microsoftAuthenticatorMethods/${authenticator.id}`,
      );
      assert.equal(early.status, 400);
      assert.match(early.body.error.message, /default multi-factor authentication method/);
      const alternate = all.find((m) => m.phoneType === 'alternateMobile');
      const mobile = all.find((m) => m.phoneType === 'mobile');
      assert.ok(mobile);
      if (alternate) {
        const first = await send('DELETE', `/users/${u}/authentication/phoneMethods/${mobile.id}`);
        assert.equal(first.status, 400);
        assert.match(first.body.error.message, /alternateMobile number without a mobile number/);
        assert.equal(
          (await send('DELETE', `/users/${u}/authentication/phoneMethods/${alternate.id}`)).status,
          204,
        );
      }
      for (const m of all.filter((x) => x !== password && x !== authenticator && x !== alternate)) {
        const r = await send('DELETE', `/users/${u}/authentication/${segment[m['@odata.type']]}/${m.id}`);
        assert.equal(r.status, 204, JSON.stringify([m, r.body]));
      }
      assert.equal(
        (await send('DELETE', `/users/${u}/authentication/microsoftAuthenticatorMethods/${authenticator.id}`))
          .status,
        204,
        'the default goes once it is the last',
      );
      assert.deepEqual(
        (await methods(u)).map((m) => m.id),
        [password.id],
      );
      assert.equal(
        (await send('GET', `/users/${u}/authentication/signInPreferences`)).body
          .userPreferredMethodForSecondaryAuthentication,
        null,
      );
      assert.equal(
        (await send('DELETE', `/users/${u}/authentication/phoneMethods/${mobile.id}`)).status,
        404,
      );
      const [entry] = (await send('GET', '/auditLogs/directoryAudits?$top=1')).body.value;
      assert.equal(entry.activityDisplayName, 'Admin deleted security info');
    });

    it('needs UserAuthenticationMethod.ReadWrite.All to delete (Read.All reads)', async () => {
      const readOnly = await tokenWith(['UserAuthenticationMethod.Read.All']);
      const list = await send('GET', `/users/${user(2)}/authentication/methods`, undefined, readOnly);
      assert.equal(list.status, 200);
      const other = list.body.value.find((m: Json) => !m['@odata.type'].includes('password'));
      const target = other ?? {
        '@odata.type': '#microsoft.graph.phoneAuthenticationMethod',
        id: '3179e48a-750b-4051-897c-87b9720928f7',
      };
      const denied = await send(
        'DELETE',
        `/users/${user(2)}/authentication/${segment[target['@odata.type']]}/${target.id}`,
        undefined,
        readOnly,
      );
      assert.equal(denied.status, 403);
      assert.equal(
        (
          await send(
            'GET',
            `/users/${user(2)}/authentication/methods`,
            undefined,
            await tokenWith(['User.Read.All']),
          )
        ).status,
        403,
      );
    });
  });
});
