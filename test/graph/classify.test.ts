import assert from 'node:assert/strict';
import { classifyCredentialError, classifyResponse, kindOf } from '../../src/graph/classify.js';
import { requiredPermission } from '../../src/graph/permissions.js';
import { limitPercentagePauseMs, parseRetryAfter } from '../../src/graph/retry-policy.js';

const body = (code: string) => JSON.stringify({ error: { code, message: 'text that must not matter' } });

describe('error classification', () => {
  const table: [number, string | undefined, string][] = [
    [401, 'InvalidAuthenticationToken', 'unauthenticated'],
    [403, 'Authorization_RequestDenied', 'permission_denied'],
    [404, 'Request_ResourceNotFound', 'not_found'],
    [400, 'syncStateNotFound', 'sync_state_expired'],
    [400, 'resyncRequired', 'sync_state_expired'],
    [410, undefined, 'sync_state_expired'],
    [409, undefined, 'conflict'],
    [400, 'Request_MultipleObjectsWithSameKeyValue', 'conflict'],
    [429, 'TooManyRequests', 'throttled'],
    [500, undefined, 'transient'],
    [502, undefined, 'transient'],
    [503, 'ServiceUnavailable', 'transient'],
    [504, undefined, 'transient'],
    [400, 'Request_BadRequest', 'bad_request'],
    [400, undefined, 'bad_request'],
    [302, undefined, 'bug'],
  ];
  for (const [status, code, kind] of table) {
    it(`${status} ${code ?? '(no code)'} → ${kind}`, () => {
      assert.equal(kindOf(status, code), kind);
      const err = classifyResponse({
        method: 'GET',
        url: 'https://graph.microsoft.com/v1.0/users?$filter=x',
        status,
        header: () => null,
        body: code ? body(code) : '<html>',
      });
      assert.equal(err.kind, kind);
      assert.equal(err.details.status, status);
      assert.ok(err.message.startsWith('graph: GET /v1.0/users: '), err.message);
      assert.ok(!err.message.includes('$filter') && !err.message.includes('must not matter'), err.message);
    });
  }

  it('keeps the request id from the header or the body', () => {
    const e1 = classifyResponse({
      method: 'GET',
      url: '/v1.0/users',
      status: 404,
      header: (n) => (n === 'request-id' ? 'hdr' : null),
      body: '',
    });
    assert.equal(e1.details.requestId, 'hdr');
    const e2 = classifyResponse({
      method: 'GET',
      url: '/v1.0/users',
      status: 404,
      header: () => null,
      body: { error: { code: 'x', innerError: { 'request-id': 'inner' } } },
    });
    assert.equal(e2.details.requestId, 'inner');
  });

  const permissions: [string, string, string][] = [
    ['GET', '/v1.0/users?$top=1', 'User.Read.All'],
    ['GET', '/v1.0/users?$select=id,signInActivity', 'AuditLog.Read.All'],
    ['GET', '/v1.0/groups', 'GroupMember.Read.All'],
    ['GET', '/beta/groups/abc/members?$select=id', 'GroupMember.Read.All'],
    ['POST', '/v1.0/groups/abc/members/$ref', 'GroupMember.ReadWrite.All'],
    ['GET', '/v1.0/roleManagement/directory/roleDefinitions', 'RoleManagement.Read.Directory'],
    ['GET', '/v1.0/roleManagement/directory/roleAssignments', 'RoleManagement.Read.Directory'],
    [
      'GET',
      '/v1.0/roleManagement/directory/roleEligibilityScheduleInstances',
      'RoleEligibilitySchedule.Read.Directory',
    ],
    [
      'GET',
      '/v1.0/roleManagement/directory/roleAssignmentScheduleInstances',
      'RoleAssignmentSchedule.Read.Directory',
    ],
    ['POST', '/v1.0/roleManagement/directory/roleAssignments', 'RoleManagement.ReadWrite.Directory'],
    ['GET', '/v1.0/servicePrincipals', 'Application.Read.All'],
    ['GET', '/v1.0/servicePrincipals/sp/appRoleAssignedTo', 'Application.Read.All'],
    ['POST', '/v1.0/servicePrincipals/sp/appRoleAssignedTo', 'AppRoleAssignment.ReadWrite.All'],
    ['GET', "/v1.0/applications?$filter=appId eq 'x'", 'Application.Read.All'],
    ['GET', '/v1.0/subscribedSkus', 'LicenseAssignment.Read.All'],
    ['GET', '/v1.0/devices', 'Device.Read.All'],
    ['GET', '/v1.0/auditLogs/directoryAudits', 'AuditLog.Read.All'],
    ['POST', '/v1.0/users/u/revokeSignInSessions', 'User.RevokeSessions.All'],
  ];
  for (const [method, path, permission] of permissions) {
    it(`403 on ${method} ${path} names ${permission}`, () => {
      assert.equal(requiredPermission(method, path), permission);
      const err = classifyResponse({
        method,
        url: `https://graph.microsoft.com${path}`,
        status: 403,
        header: () => null,
        body: body('Authorization_RequestDenied'),
      });
      assert.equal(err.details.missingPermission, permission);
      assert.match(err.message, new RegExp(`needs ${permission.replaceAll('.', '\\.')}`));
    });
  }

  it('keeps AADSTS codes of credential failures, never the description', () => {
    const err = classifyCredentialError(
      {
        name: 'AuthenticationError',
        statusCode: 400,
        errorResponse: {
          error: 'invalid_client',
          errorDescription: 'AADSTS7000222: The provided client secret keys for app are expired. secret=abc',
        },
      },
      'https://graph.microsoft.com/.default',
    );
    assert.equal(err.kind, 'unauthenticated');
    assert.equal(err.details.code, 'AADSTS7000222');
    assert.equal(
      err.message,
      'graph: token for https://graph.microsoft.com/.default: AADSTS7000222 invalid_client',
    );
  });
});

describe('retry policy', () => {
  const now = Date.parse('2026-01-01T00:00:00Z');
  it('parses Retry-After seconds, decimals, dates; caps at 15 minutes; ignores junk', () => {
    assert.equal(parseRetryAfter('3', now), 3000);
    assert.equal(parseRetryAfter('0.249', now), 249);
    assert.equal(parseRetryAfter('Thu, 01 Jan 2026 00:00:30 GMT', now), 30_000);
    assert.equal(parseRetryAfter('Wed, 31 Dec 2025 23:00:00 GMT', now), 0);
    assert.equal(parseRetryAfter('100000', now), 15 * 60_000);
    assert.equal(parseRetryAfter('soon', now), undefined);
    assert.equal(parseRetryAfter(null, now), undefined);
  });

  it('pauses proportionally above 90% of the throttle limit', () => {
    assert.equal(limitPercentagePauseMs(null), 0);
    assert.equal(limitPercentagePauseMs('0.85'), 0);
    assert.equal(limitPercentagePauseMs('1.0'), 1000);
    assert.equal(limitPercentagePauseMs('1.8'), 9000);
  });
});
