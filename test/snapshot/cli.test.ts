import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runSync } from '../../src/connector/sync.js';
import { runCli } from '../support/cli.js';
import { FakeGraph } from '../framework/engine/support/fake-graph.js';
import { demoTenant } from '../framework/engine/support/fake-tenant.js';
import { tempDir, testConfig } from '../framework/engine/support/harness.js';

describe('snapshot and mapping commands', function () {
  let tmp: ReturnType<typeof tempDir>;
  let file: string;
  before(async () => {
    tmp = tempDir();
    file = join(tmp.dir, 'a.snap');
    await runSync({ config: testConfig(), outFile: file, graph: new FakeGraph(demoTenant()) });
  });
  after(() => tmp.cleanup());

  it('inspect --json prints the header with counts and delta links', async () => {
    const r = await runCli(['snapshot', 'inspect', file, '--json']);
    assert.equal(r.code, 0, r.stderr);
    const h = JSON.parse(r.stdout) as { counts: { grants: number }; deltaLinks: string[] };
    // 37 to users and groups, and the managed identity's application permission on sp-app.
    assert.equal(h.counts.grants, 38);
    assert.deepEqual(h.deltaLinks, ['applications', 'devices', 'groups', 'servicePrincipals', 'users']);
  });

  it('export --format csv has a header row and one row per record', async () => {
    const r = await runCli(['snapshot', 'export', file, '--format', 'csv']);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trim().split('\n');
    assert.equal(
      lines[0],
      'kind,id,resource_type,resource_id,display_name,entitlement,slug,purpose,principal_type,principal_id,expandable,data',
    );
    assert.equal(lines.filter((l) => l.startsWith('grant,')).length, 38);
    const bad = await runCli(['snapshot', 'export', file, '--format', 'xml']);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /--format: expected jsonl or csv/);
  });

  it('access names the principal argument when it is malformed or absent', async () => {
    const ok = await runCli(['snapshot', 'access', file, '--principal', 'user:u4', '--json']);
    assert.equal(ok.code, 0, ok.stderr);
    assert.ok((JSON.parse(ok.stdout) as { effective: unknown[] }).effective.length > 3);
    const bad = await runCli(['snapshot', 'access', file, '--principal', 'u4']);
    assert.match(bad.stderr, /--principal: expected <type>:<id>/);
    const missing = await runCli(['snapshot', 'access', file, '--principal', 'user:nobody']);
    assert.match(missing.stderr, /user:nobody is not in snapshot/);
  });

  it('a corrupt snapshot fails with its path; mapping prints CSV', async () => {
    const broken = join(tmp.dir, 'broken.snap');
    writeFileSync(broken, 'not a snapshot');
    const r = await runCli(['snapshot', 'diff', file, broken]);
    assert.equal(r.code, 1);
    assert.ok(r.stderr.includes(broken), r.stderr);
    const m = await runCli(['mapping', '--resource-type', 'group']);
    assert.equal(m.code, 0);
    assert.match(m.stdout, /^resource_type,entra_attribute,snapshot_field,note\n/);
    assert.match(m.stdout, /group,"groupTypes, mailEnabled, securityEnabled",profile.group_type/);
  });

  it('mapping lists the credential fields; export carries them with the secret trait', async () => {
    const m = await runCli(['mapping', '--resource-type', 'credential']);
    assert.equal(m.code, 0, m.stderr);
    for (const field of [
      'profile.kind',
      'profile.hint',
      'profile.thumbprint',
      'profile.expired',
      'secret.expiresAt',
    ])
      assert.ok(m.stdout.includes(`,${field},`) || m.stdout.includes(`,${field}\n`), field);
    const r = await runCli(['snapshot', 'export', file, '--format', 'jsonl']);
    assert.equal(r.code, 0, r.stderr);
    const rec = r.stdout
      .trim()
      .split('\n')
      .map(
        (l) =>
          JSON.parse(l) as { id: string; parent?: string; data: Record<string, Record<string, unknown>> },
      )
      .find((x) => x.id === 'credential:app-obj-payroll:key-pw1');
    assert.equal(rec?.parent, 'enterprise_application:sp-app');
    assert.equal(rec.data.profile!.kind, 'password');
    assert.equal(rec.data.secret!.expiresAt, '2027-01-01T00:00:00Z');
  });

  it('sync names --file and --incremental-from when they cannot work', async () => {
    // Fails before any request; the endpoints point at a closed loopback port regardless.
    const env = {
      BATON_ENTRA_TENANT_ID: '11111111-1111-1111-1111-111111111111',
      BATON_ENTRA_CLIENT_ID: '22222222-2222-2222-2222-222222222222',
      BATON_ENTRA_CLIENT_SECRET: 'a-secret-value',
      BATON_GRAPH_DOMAIN: '127.0.0.1:9',
      BATON_ENTRA_AUTHORITY_HOST: 'https://127.0.0.1:9',
      BATON_EXCHANGE_BASE_URL: 'https://127.0.0.1:9',
    };
    const noDir = await runCli(['sync', '--file', join(tmp.dir, 'nope', 'x.snap')], env);
    assert.equal(noDir.code, 1);
    assert.match(noDir.stderr, /--file: directory .*nope.* does not exist/);
    const noPrev = await runCli(
      ['sync', '--file', join(tmp.dir, 'x.snap'), '--incremental-from', join(tmp.dir, 'gone.snap')],
      env,
    );
    assert.equal(noPrev.code, 1);
    assert.match(noPrev.stderr, /--incremental-from: snapshot .*gone\.snap: cannot be opened/);
  });

  it('sync without configuration exits non-zero naming the missing variables', async () => {
    const r = await runCli(['sync', '--file', join(tmp.dir, 'x.snap')]);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /BATON_ENTRA_TENANT_ID/);
  });
});
