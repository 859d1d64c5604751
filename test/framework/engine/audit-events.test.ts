import assert from 'node:assert/strict';
import { join } from 'node:path';
import { runSync } from '../../../src/connector/sync.js';
import { FakeGraph } from './support/fake-graph.js';
import { demoTenant } from './support/fake-tenant.js';
import { exportOf, FIXED_NOW, tempDir, testConfig } from './support/harness.js';

const ZERO = '00000000-0000-0000-0000-000000000000';

/** A directory audit entry as Entra writes it (only the fields the sync reads matter). */
function entry(category: string, activity: string, targets: Record<string, unknown>[], result = 'success') {
  return {
    id: `Directory_${activity}`,
    category,
    activityDisplayName: activity,
    activityDateTime: new Date(FIXED_NOW).toISOString(),
    result,
    targetResources: targets.map((t) => ({ modifiedProperties: [], ...t })),
  };
}

describe('incremental re-reads from audit entries as Entra writes them', () => {
  let tmp: ReturnType<typeof tempDir>;
  beforeEach(() => (tmp = tempDir()));
  afterEach(() => tmp.cleanup());
  const now = () => FIXED_NOW;
  const config = testConfig();

  it('a grant filed under UserManagement re-reads its app; failures are ignored; a role event naming no role relists roles', async () => {
    const t = demoTenant();
    const first = join(tmp.dir, 'first.snap');
    const full = new FakeGraph(t);
    full.audits = [];
    await runSync({ config, outFile: first, graph: full, now });

    t.assignments.push({
      id: 'a-new',
      resourceId: 'sp-ms2',
      appRoleId: ZERO,
      principalId: 'u3',
      principalType: 'User',
    });
    t.roleAssignments.push({ roleDefinitionId: 'rd-ua', principalId: 'u3', directoryScopeId: '/' });
    const inc = new FakeGraph(t);
    inc.audits = [
      entry('UserManagement', 'Add app role assignment grant to user', [
        { type: 'ServicePrincipal', id: 'sp-ms2' },
        { type: 'User', id: 'u3' },
      ]),
      entry(
        'ApplicationManagement',
        'Add owner to service principal',
        [{ type: 'ServicePrincipal', id: 'sp-app' }],
        'failure',
      ),
      // The role only in a property this sync does not read: every role is listed again.
      entry('RoleManagement', 'Add member to role', [{ type: 'User', id: 'u3' }]),
    ];
    const out = join(tmp.dir, 'inc.snap');
    const { header } = await runSync({ config, outFile: out, incrementalFrom: first, graph: inc, now });
    assert.equal(header.kind, 'incremental');
    assert.ok(
      inc.batchedUrls.length > 0 && inc.batchedUrls.every((u) => u.startsWith('/servicePrincipals/sp-ms2/')),
      inc.batchedUrls.join(),
    );
    assert.ok(!inc.urls.some((u) => u.startsWith('/servicePrincipals?')), 'no service-principal listing');
    assert.ok(
      inc.urls.some((u) => u.startsWith('/roleManagement/directory/roleAssignments?')),
      'roles listed',
    );

    const fresh = join(tmp.dir, 'fresh.snap');
    await runSync({ config, outFile: fresh, graph: new FakeGraph(t), now });
    assert.deepEqual(await exportOf(out), await exportOf(fresh));
  });

  it('no entries: apps and roles come from the parent, only the delta rounds and small listings run', async () => {
    const t = demoTenant();
    const first = join(tmp.dir, 'first.snap');
    const full = new FakeGraph(t);
    await runSync({ config, outFile: first, graph: full, now });
    const inc = new FakeGraph(t);
    inc.audits = [];
    const out = join(tmp.dir, 'inc.snap');
    await runSync({ config, outFile: out, incrementalFrom: first, graph: inc, now });
    assert.deepEqual(
      inc.urls.map((u) => u.replace('https://graph.fake/v1.0', '').replace(/\?.*/, '')),
      [
        '/organization',
        '/users/delta',
        '/groups/delta',
        '/auditLogs/directoryAudits',
        '/servicePrincipals/delta',
        '/roleManagement/directory/roleDefinitions',
        '/applications/delta',
        '/subscribedSkus',
        '/devices/delta',
      ],
    );
    assert.deepEqual(await exportOf(out), await exportOf(first));
  });
});
