import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { Grant, Resource } from '../../src/framework/types.js';
import { SnapshotDb } from '../../src/snapshot/database.js';
import { OutputWriter, OutputWriterError } from '../../src/snapshot/output-writer.js';
import { tempDir } from '../framework/engine/support/harness.js';

function resource(id: string, displayName = `R ${id}`): Resource {
  return { id: { resourceType: 'thing', resource: id }, displayName, profile: { n: id } };
}

function grant(resource: string, principal: string, extra?: Partial<Grant>): Grant {
  return {
    id: `thing:${resource}:use:thing:${principal}`,
    entitlement: `thing:${resource}:use`,
    principal: { type: 'thing', id: principal },
    ...extra,
  };
}

describe('output writer (rows inserted on a worker thread)', () => {
  let tmp: ReturnType<typeof tempDir>;
  let db: SnapshotDb;
  beforeEach(() => {
    tmp = tempDir();
    db = new SnapshotDb(join(tmp.dir, 'w.db'), { working: true });
    db.transaction(() => db.beginOutput());
  });
  afterEach(() => {
    db.close();
    tmp.cleanup();
  });

  it('stores every row as the main connection would, a NUL inside a value included', async () => {
    const out = await OutputWriter.open(db.path);
    try {
      // More than a batch, so several transactions are committed and acknowledged.
      for (let i = 0; i < 9000; i++) out.putResource(resource(`r${String(i).padStart(5, '0')}`));
      // NUL is the batch's separator: a value holding one must not shift the columns.
      out.putResource(resource('odd', 'a\u0000b'));
      out.putEntitlement({
        id: 'thing:odd:use',
        resource: { resourceType: 'thing', resource: 'odd' },
        slug: 'use',
        purpose: 'assignment',
        grantableTo: ['thing'],
        displayName: 'use',
      });
      out.putGrant(grant('odd', 'r00001'));
      out.putGrant(grant('odd', 'r00002', { expandable: ['thing:r1:use'] }));
      await out.close();
    } finally {
      await out.stop();
    }
    assert.equal(db.count('resources'), 9001);
    assert.equal(db.resource('thing', 'odd')?.displayName, 'a\u0000b');
    assert.deepEqual(db.resource('thing', 'r08999'), resource('r08999'));
    assert.equal(db.entitlement('thing:odd:use')?.slug, 'use');
    assert.deepEqual(db.grantsOn('thing:odd:use'), [
      grant('odd', 'r00001'),
      grant('odd', 'r00002', { expandable: ['thing:r1:use'] }),
    ]);
    // The resource keys that grants' principals are checked against were recorded too.
    assert.deepEqual(db.grantsToUnknownPrincipals(), new Map());
  });

  it('counts the grants to unknown principals in its range, the main connection the rest', async () => {
    const out = await OutputWriter.open(db.path);
    try {
      // Resources r00..r19, each offering `use`; grants on each to r00..r29: r20..r29 are unknown.
      const ids = Array.from({ length: 20 }, (_, i) => `r${String(i).padStart(2, '0')}`);
      for (const id of ids) {
        out.putResource(resource(id));
        out.putEntitlement({
          id: `thing:${id}:use`,
          resource: { resourceType: 'thing', resource: id },
          slug: 'use',
          purpose: 'assignment',
          grantableTo: ['thing'],
          displayName: 'use',
        });
        for (let p = 0; p < 30; p++) out.putGrant(grant(id, `r${String(p).padStart(2, '0')}`));
      }
      await out.flush();
      const mid = db.grantBoundaries(2)[0];
      assert.equal(mid, 'thing:r10:use');
      assert.deepEqual(db.grantBoundaries(4), ['thing:r05:use', 'thing:r10:use', 'thing:r15:use']);
      const theirs = out.unknownPrincipals({ from: mid });
      const mine = db.grantsToUnknownPrincipals({ below: mid });
      assert.deepEqual(mine, new Map([['thing', 10 * 10]]));
      assert.deepEqual(await theirs, new Map([['thing', 10 * 10]]));
      assert.deepEqual(db.grantsToUnknownPrincipals(), new Map([['thing', 20 * 10]]));
      await out.close();
    } finally {
      await out.stop();
    }
  });

  it('a failure in the worker fails the writer with the database message, and the thread ends', async () => {
    const out = await OutputWriter.open(db.path);
    // Gone after the worker prepared its inserts: its first transaction fails.
    db.db.exec('DROP TABLE grants');
    try {
      out.putGrant(grant('odd', 'r00001'));
      await assert.rejects(out.flush(), (err: Error) => {
        assert.ok(err instanceof OutputWriterError);
        assert.match(err.message, /no such table: grants/);
        return true;
      });
      // Every later call fails the same way rather than being lost.
      assert.throws(() => out.putGrant(grant('odd', 'r00002')), /no such table: grants/);
    } finally {
      await out.stop();
    }
    assert.equal(OutputWriter.live, 0);
  });

  it('a grant whose id does not match is refused where it is made', async () => {
    const out = await OutputWriter.open(db.path);
    try {
      assert.throws(() => out.putGrant({ ...grant('odd', 'r1'), id: 'wrong' }), /grant id wrong/);
    } finally {
      await out.stop();
    }
    assert.equal(OutputWriter.live, 0);
  });
});
