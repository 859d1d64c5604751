import assert from 'node:assert/strict';
import { join } from 'node:path';
import { accessOf } from '../../src/snapshot/access.js';
import { diffSnapshots } from '../../src/snapshot/diff.js';
import { csvField, csvRow, exportRecords } from '../../src/snapshot/export.js';
import { openSnapshot, type OpenSnapshot } from '../../src/snapshot/open.js';
import { runSync } from '../../src/connector/sync.js';
import { FakeGraph } from '../framework/engine/support/fake-graph.js';
import { demoTenant } from '../framework/engine/support/fake-tenant.js';
import { FIXED_NOW, tempDir, testConfig } from '../framework/engine/support/harness.js';

describe('snapshot tools: access, diff, export', () => {
  let tmp: ReturnType<typeof tempDir>;
  let older: OpenSnapshot;
  let newer: OpenSnapshot;

  before(async () => {
    tmp = tempDir();
    const t = demoTenant();
    const a = join(tmp.dir, 'a.snap');
    await runSync({ config: testConfig(), outFile: a, graph: new FakeGraph(t), now: () => FIXED_NOW });
    t.addUser({ id: 'u8', displayName: 'New', userPrincipalName: 'new@contoso.test' });
    t.addMember('g2', 'u8');
    t.removeMember('g1', 'u3');
    t.updateUser('u6', { displayName: 'Renamed' });
    const b = join(tmp.dir, 'b.snap');
    await runSync({
      config: testConfig(),
      outFile: b,
      incrementalFrom: a,
      graph: new FakeGraph(t),
      now: () => FIXED_NOW,
    });
    older = await openSnapshot(a);
    newer = await openSnapshot(b);
  });
  after(async () => {
    await older.close();
    await newer.close();
    tmp.cleanup();
  });

  it('access: direct grants, and effective access through nested groups (cycle-safe)', () => {
    const r = accessOf(older.db, { type: 'user', id: 'u4' });
    assert.deepEqual(
      r.direct.map((d) => d.entitlement),
      [
        'enterprise_application:sp-app:assignment:00000000-0000-0000-0000-000000000000',
        'enterprise_application:sp-app:assignment:role-admin',
        'group:g2:member',
      ],
    );
    const eff = Object.fromEntries(r.effective.map((e) => [e.entitlement, e.via]));
    // u4 ∈ g2, g2 ∈ g1 (and g1 ∈ g2: a cycle), g2 holds User Administrator and an app role.
    assert.deepEqual(eff['group:g1:member'], ['group:g2:member']);
    assert.deepEqual(eff['role:rd-ua:assigned'], ['group:g2:member']);
    assert.deepEqual(eff['group:g2:member'], []);
    assert.ok(!('group:g1:owner' in eff), 'ownership does not flow to members');
    assert.equal(r.truncated, false);
    const shallow = accessOf(older.db, { type: 'user', id: 'u4' }, 1);
    assert.equal(shallow.truncated, true);
  });

  it('diff: added and removed resources and grants, changed resources', () => {
    const changes = [...diffSnapshots(older.db, newer.db)].map((c) => `${c.change} ${c.kind} ${c.id}`);
    assert.deepEqual(changes, [
      'changed resource user:u6',
      'added resource user:u8',
      'removed grant group:g1:member:user:u3',
      'added grant group:g2:member:user:u8',
    ]);
    assert.deepEqual([...diffSnapshots(newer.db, newer.db)], []);
  });

  it('export: every record with kind and id; grants name entitlement and principal', () => {
    const recs = [...exportRecords(older.db)];
    assert.deepEqual(
      [...new Set(recs.map((r) => r.kind))],
      ['resource_type', 'resource', 'entitlement', 'grant'],
    );
    const g = recs.find((r) => r.id === 'group:g2:member:user:u4');
    assert.deepEqual(g, {
      kind: 'grant',
      id: 'group:g2:member:user:u4',
      entitlement: 'group:g2:member',
      principal: { type: 'user', id: 'u4' },
    });
    assert.equal(csvRow(g!), 'grant,group:g2:member:user:u4,,,,group:g2:member,,,user,u4,,');
    assert.equal(csvField('a,"b"'), '"a,""b"""');
  });
});
