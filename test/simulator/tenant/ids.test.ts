import assert from 'node:assert/strict';
import {
  appRoleAssignmentId,
  decodeRoleAssignmentId,
  guidFromBytesLe,
  guidToBytesLe,
  isGuid,
  isoSeconds,
  principalOfAppRoleAssignmentId,
  Rng,
  roleAssignmentId,
} from '../../../src/simulator/tenant/ids.js';

// The example id in https://learn.microsoft.com/graph/api/rbacapplication-list-roleassignments
const DOC_ID = 'lAPpYvVpN0KRkAEhdxReEMmO4KwRqtpKkUWt3wOYIz4-1';
const GLOBAL_ADMIN = '62e90394-69f5-4237-9190-012177145e10';

describe('simulator ids', () => {
  it('orders GUID bytes as .NET Guid.ToByteArray does', () => {
    const b = guidToBytesLe('00112233-4455-6677-8899-aabbccddeeff');
    assert.equal(Buffer.from(b).toString('hex'), '33221100554477668899aabbccddeeff');
    assert.equal(guidFromBytesLe(b), '00112233-4455-6677-8899-aabbccddeeff');
  });

  it('decodes the documented role-assignment id to Global Administrator and a principal', () => {
    const decoded = decodeRoleAssignmentId(DOC_ID);
    assert.ok(decoded);
    assert.equal(decoded.roleDefinitionId, GLOBAL_ADMIN);
    assert.ok(isGuid(decoded.principalId));
  });

  it('encodes a role-assignment id that matches the documented one byte for byte', () => {
    const decoded = decodeRoleAssignmentId(DOC_ID);
    assert.ok(decoded);
    assert.equal(roleAssignmentId(decoded.roleDefinitionId, decoded.principalId), DOC_ID);
  });

  it('rejects ids that are not in the role-assignment shape', () => {
    assert.equal(decodeRoleAssignmentId('not-an-id'), undefined);
    assert.equal(decodeRoleAssignmentId(DOC_ID.replace('-1', '-2')), undefined);
    assert.throws(() => roleAssignmentId('nope', GLOBAL_ADMIN), /expected a GUID/);
  });

  it('mints app-role-assignment ids that start with the principal in little-endian order', () => {
    const principal = 'ace08ec9-aa11-4ada-9145-addf0398233e';
    const id = appRoleAssignmentId(principal, new Uint8Array(16).fill(7));
    assert.match(id, /^[A-Za-z0-9_-]{43}$/);
    assert.equal(principalOfAppRoleAssignmentId(id), principal);
    assert.equal(
      Buffer.from(id, 'base64url').subarray(0, 16).toString('hex'),
      Buffer.from(guidToBytesLe(principal)).toString('hex'),
    );
    assert.throws(() => appRoleAssignmentId(principal, new Uint8Array(3)), /16 opaque bytes/);
  });

  it('draws the same sequence for the same seed and a different one for another seed', () => {
    const a = new Rng(7);
    const b = new Rng(7);
    const c = new Rng(8);
    const sa = Array.from({ length: 50 }, () => a.u32());
    assert.deepEqual(
      sa,
      Array.from({ length: 50 }, () => b.u32()),
    );
    assert.notDeepEqual(
      sa,
      Array.from({ length: 50 }, () => c.u32()),
    );
  });

  it('makes v4-shaped GUIDs and bounded integers', () => {
    const rng = new Rng(1);
    for (let i = 0; i < 200; i++) {
      assert.match(rng.guid(), /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      const n = rng.int(3, 5);
      assert.ok(n >= 3 && n <= 5);
    }
  });

  it('formats date-times without fractional seconds, as Graph does', () => {
    assert.equal(isoSeconds(Date.UTC(2026, 0, 2, 3, 4, 5, 678)), '2026-01-02T03:04:05Z');
  });
});
