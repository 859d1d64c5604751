import { randomBytes } from 'node:crypto';
import type { Guid } from './tenant/model.js';

/** Id formats Graph uses for assignment objects, reproduced so clients that decode them work. */

/** appRoleAssignment ids: base64url(bytes_le(principalId) ‖ 16 opaque bytes). graph.md §8. */
export function appRoleAssignmentId(principalId: Guid): string {
  return Buffer.concat([guidBytesLe(principalId), randomBytes(16)]).toString('base64url');
}

function guidBytesLe(g: Guid): Buffer {
  const h = g.replace(/-/g, '');
  const b = Buffer.from(h, 'hex');
  return Buffer.concat([
    Buffer.from(b.subarray(0, 4)).reverse(),
    Buffer.from(b.subarray(4, 6)).reverse(),
    Buffer.from(b.subarray(6, 8)).reverse(),
    b.subarray(8),
  ]);
}

/** roleAssignment ids: base64url(bytes_le(roleDefinitionId) ‖ bytes_le(principalId)) + "-1". graph.md §5. */
export function roleAssignmentId(roleDefinitionId: Guid, principalId: Guid): string {
  return `${Buffer.concat([guidBytesLe(roleDefinitionId), guidBytesLe(principalId)]).toString('base64url')}-1`;
}

/**
 * The id of an assignment at a scope: the tenant-wide id, or for an administrative unit the same
 * bytes with the unit's id in place of the "1" suffix, so two scopes of one role and principal
 * never share an id.
 */
export function scopedRoleAssignmentId(
  roleDefinitionId: Guid,
  principalId: Guid,
  directoryScopeId: string,
): string {
  const id = roleAssignmentId(roleDefinitionId, principalId);
  return directoryScopeId === '/' ? id : `${id.slice(0, -2)}-${directoryScopeId.split('/').pop()}`;
}
