import assert from 'node:assert/strict';
import { join } from 'node:path';
import { applyGroup } from '../../src/connector/group/collect.js';
import { applyUser } from '../../src/connector/user/collect.js';
import { SnapshotDb } from '../../src/snapshot/database.js';
import { EntraSourceQueries } from '../../src/connector/shared/source-queries.js';
import { tempDir } from '../framework/engine/support/harness.js';

const user = (id: string) => ({ '@odata.type': '#microsoft.graph.user', id });

describe('applying delta pages to the source cache (Graph JSON)', () => {
  let tmp: ReturnType<typeof tempDir>;
  let db: SnapshotDb;
  beforeEach(() => {
    tmp = tempDir();
    db = new SnapshotDb(join(tmp.dir, 'w.db'), { working: true });
  });
  afterEach(() => {
    db.close();
    tmp.cleanup();
  });
  const members = (g: string) =>
    db.source.links('group', g, 'member').map((l) => `${l.targetKind}:${l.targetId}`);

  it('a group repeated across pages accumulates its member chunks (upsert by id)', () => {
    applyGroup(db.source, {
      id: 'g1',
      displayName: 'G',
      'members@delta': [user('u1'), user('u2')],
      'owners@delta': [user('u9')],
    });
    applyGroup(db.source, {
      id: 'g1',
      'members@delta': [user('u3'), { '@odata.type': '#microsoft.graph.group', id: 'g2' }],
    });
    assert.deepEqual(members('g1'), ['group:g2', 'user:u1', 'user:u2', 'user:u3']);
    assert.equal(
      db.source.get<{ displayName: string }>('group', 'g1')?.displayName,
      'G',
      'a repeat without properties keeps them',
    );
    assert.deepEqual(
      db.source.links('group', 'g1', 'owner').map((l) => l.targetId),
      ['u9'],
    );
  });

  it('@removed on a link drops that membership; @removed on the group drops it and its links', () => {
    applyGroup(db.source, { id: 'g1', displayName: 'G', 'members@delta': [user('u1'), user('u2')] });
    applyGroup(db.source, {
      id: 'g1',
      'members@delta': [{ ...user('u1'), '@removed': { reason: 'deleted' } }],
    });
    assert.deepEqual(members('g1'), ['user:u2']);
    applyGroup(db.source, { id: 'g1', '@removed': { reason: 'changed' } });
    assert.equal(db.source.get('group', 'g1'), undefined);
    assert.deepEqual(members('g1'), []);
  });

  it('a minimal update merges onto the stored user; licenses and manager follow their own deltas', () => {
    applyUser(db.source, {
      id: 'u1',
      displayName: 'Ada',
      jobTitle: 'Analyst',
      assignedLicenses: [{ skuId: 's1', disabledPlans: [] }],
      'manager@delta': [user('m1')],
    });
    applyUser(db.source, { id: 'u1', jobTitle: 'Lead' });
    const u = db.source.get<Record<string, unknown>>('user', 'u1');
    assert.equal(u?.displayName, 'Ada');
    assert.equal(u?.jobTitle, 'Lead');
    assert.ok(!('manager@delta' in u!), 'annotations are not stored as properties');
    assert.deepEqual(
      new EntraSourceQueries(db.source.sql).licensees('s1').map((l) => l.ownerId),
      ['u1'],
      'licenses kept when not in the update',
    );
    applyUser(db.source, {
      id: 'u1',
      assignedLicenses: [{ skuId: 's2', disabledPlans: [] }],
      'manager@delta': [user('m2')],
    });
    assert.deepEqual(new EntraSourceQueries(db.source.sql).licensees('s1'), []);
    assert.deepEqual(
      db.source.links('user', 'u1', 'manager').map((l) => l.targetId),
      ['m2'],
    );
    applyUser(db.source, {
      id: 'u1',
      'manager@delta': [{ ...user('m2'), '@removed': { reason: 'deleted' } }],
    });
    assert.deepEqual(db.source.links('user', 'u1', 'manager'), []);
    applyUser(db.source, { id: 'u1', '@removed': { reason: 'deleted' } });
    assert.equal(db.source.get('user', 'u1'), undefined);
    assert.deepEqual(new EntraSourceQueries(db.source.sql).licensees('s2'), []);
  });
});
