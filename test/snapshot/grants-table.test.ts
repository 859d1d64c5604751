import assert from 'node:assert/strict';
import { join } from 'node:path';
import { grantId } from '../../src/framework/ids.js';
import type { Grant } from '../../src/framework/types.js';
import { SnapshotDb } from '../../src/snapshot/database.js';
import { GrantIdMismatchError, inIdOrder } from '../../src/snapshot/grant-row.js';
import { tempDir } from '../framework/engine/support/harness.js';

function grant(entitlement: string, type: string, id: string, rest: Partial<Grant> = {}): Grant {
  return { id: grantId(entitlement, { type, id }), entitlement, principal: { type, id }, ...rest };
}

describe('grants table', () => {
  let tmp: ReturnType<typeof tempDir>;
  let db: SnapshotDb;
  beforeEach(() => {
    tmp = tempDir();
    db = new SnapshotDb(join(tmp.dir, 's.db'));
  });
  afterEach(() => {
    db.close();
    tmp.cleanup();
  });

  const all = [
    grant('group:g1:member', 'group', 'g2', { expandable: ['group:g2:member'] }),
    grant('group:g1:member', 'user', 'u1'),
    grant('group:g1:owner', 'user', 'u1'),
    grant('role:r1:assigned', 'user', 'u1', { metadata: { directory_scopes: ['/', '/au/1'] } }),
    grant('role:r1:eligible', 'group', 'g2', { sources: ['s1', 's2'], expandable: ['group:g2:member'] }),
  ];

  it('reads back every field of every grant, by id, principal and entitlement', () => {
    db.transaction(() => [...all].reverse().forEach((g) => db.putGrant(g)));
    assert.deepEqual([...db.grants()], all);
    assert.deepEqual(db.grantsOf('user', 'u1'), [all[1], all[2], all[3]]);
    assert.deepEqual(db.grantsOf('group', 'g2'), [all[0], all[4]]);
    assert.deepEqual(db.grantsOn('group:g1:member'), [all[0], all[1]]);
    assert.equal(db.count('grants'), all.length);
    // Only grants with fields beyond their key store anything else.
    const extras = db.db.prepare('SELECT extra FROM grants WHERE extra IS NULL').all();
    assert.equal(extras.length, 2);
  });

  it('a grant whose id is not its entitlement and principal is refused, not stored', () => {
    assert.throws(() => db.putGrant({ ...all[1]!, id: 'group:g1:member:user:u9' }), GrantIdMismatchError);
    assert.equal(db.count('grants'), 0);
  });

  it('rows whose key order is not their id order are reported, not streamed misordered', () => {
    // "a:b" is a prefix of "a:b-c": in key order it comes first, in id order ("a:b:…" vs "a:b-…") last.
    const rows = [
      { entitlement_id: 'a:b', principal_type: 'user', principal_id: 'u1', extra: null },
      { entitlement_id: 'a:b-c', principal_type: 'user', principal_id: 'u1', extra: null },
    ];
    assert.throws(() => [...inIdOrder(rows)], /not in id order: a:b-c:user:u1 follows a:b:user:u1/);
  });
});
