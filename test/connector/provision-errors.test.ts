import assert from 'node:assert/strict';
import {
  answerLost,
  isAlreadyGone,
  isAlreadyThere,
  provisioningError,
  redact,
} from '../../src/connector/shared/writes.js';
import { exchangeFailure } from '../../src/exchange/client.js';
import { classifyResponse } from '../../src/graph/classify.js';

/** A failed Graph response as the client classifies it. */
function graphError(status: number, code: string, message = '', headers: Record<string, string> = {}) {
  return classifyResponse({
    method: 'POST',
    url: 'https://graph.microsoft.com/v1.0/groups/g1/members/$ref',
    status,
    header: (n) => headers[n.toLowerCase()] ?? null,
    body: JSON.stringify({ error: { code, message } }),
  });
}

describe('provisioning errors: Graph and Exchange answers to outcomes and retryable flags', () => {
  it('maps each Graph error class to a code and a retryable flag', () => {
    const cases: [number, string, string, boolean][] = [
      [403, 'Authorization_RequestDenied', 'PERMISSION_DENIED', false],
      [401, 'InvalidAuthenticationToken', 'PERMISSION_DENIED', false],
      [404, 'Request_ResourceNotFound', 'NOT_FOUND', false],
      [429, 'TooManyRequests', 'UNAVAILABLE', true],
      [503, 'serviceNotAvailable', 'UNAVAILABLE', true],
      [504, 'gatewayTimeout', 'UNAVAILABLE', true],
      [400, 'Request_BadRequest', 'FAILED_PRECONDITION', false],
      [409, 'Conflict', 'FAILED_PRECONDITION', false],
    ];
    for (const [status, code, expected, retryable] of cases) {
      const e = provisioningError('grant of group:g1:member to user:u1', graphError(status, code));
      assert.equal(e.code, expected, `${status} ${code}`);
      assert.equal(e.retryable, retryable, `${status} ${code}`);
      assert.match(e.message, /^grant of group:g1:member to user:u1: /);
    }
  });

  it('names the missing permission of a 403', () => {
    const e = provisioningError('grant', graphError(403, 'Authorization_RequestDenied'));
    assert.match(e.message, /needs GroupMember\.ReadWrite\.All/);
  });

  it('keeps Graph\u2019s words for a bad request: they say what is wrong', () => {
    const e = provisioningError(
      'grant',
      graphError(
        400,
        'Request_BadRequest',
        'Cannot Update a mail-enabled security groups and or distribution list.',
      ),
    );
    assert.match(e.message, /mail-enabled security groups and or distribution list/);
  });

  it('tells "already there" and "already gone" from other failures', () => {
    assert.ok(
      isAlreadyThere(
        graphError(
          400,
          'Request_BadRequest',
          "One or more added object references already exist for the following modified properties: 'members'.",
        ),
      ),
    );
    assert.ok(
      isAlreadyThere(
        graphError(400, 'Request_BadRequest', 'Permission being assigned already exists on the object'),
      ),
    );
    assert.ok(isAlreadyThere(graphError(400, 'RoleAssignmentExists', 'The Role assignment already exists.')));
    assert.ok(!isAlreadyThere(graphError(400, 'Request_BadRequest', 'Invalid object identifier')));
    assert.ok(isAlreadyGone(graphError(404, 'Request_ResourceNotFound')));
    assert.ok(
      isAlreadyGone(
        graphError(400, 'Request_BadRequest', 'One or more removed object references do not exist'),
      ),
    );
    assert.ok(!isAlreadyGone(graphError(403, 'Authorization_RequestDenied')));
    const exo = (exception: string) =>
      exchangeFailure(
        'Add-DistributionGroupMember',
        400,
        JSON.stringify({
          error: { code: 'BadRequest', message: `|Microsoft.Exchange.Management.Tasks.${exception}|x` },
        }),
      );
    assert.ok(isAlreadyThere(exo('MemberAlreadyExistsException')));
    assert.ok(isAlreadyGone(exo('MemberNotFoundException')));
    assert.equal(provisioningError('grant', exo('ManagementObjectNotFoundException')).code, 'NOT_FOUND');
  });

  it('treats a 504 or a reset after a write as a possibly applied write', () => {
    assert.ok(answerLost(graphError(504, 'gatewayTimeout')));
    assert.ok(!answerLost(graphError(400, 'Request_BadRequest')));
    assert.ok(answerLost(exchangeFailure('Add-DistributionGroupMember', 504, '')));
  });

  it('never puts a password into a plan', () => {
    assert.deepEqual(
      redact({ passwordProfile: { password: 'S3cret!', forceChangePasswordNextSignIn: true } }),
      {
        passwordProfile: { password: '[redacted]', forceChangePasswordNextSignIn: true },
      },
    );
  });
});
