import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../support/cli.js';

describe('baton-entra CLI', () => {
  it('prints help with the exit codes and exits 0', async () => {
    const r = await runCli(['--help']);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /Usage: baton-entra/);
    assert.match(r.stdout, /Exit codes:\n\s+0 .*\n\s+1 .*\n\s+2 /);
  });

  it('exits non-zero on an unknown command, naming it', async () => {
    const r = await runCli(['no-such-command']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /no-such-command/);
  });

  it('mapping --json prints one object per mapping, the same rows as the CSV', async () => {
    const [csv, json] = await Promise.all([runCli(['mapping']), runCli(['mapping', '--json'])]);
    assert.equal(json.code, 0, json.stderr);
    const rows = json.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, string>);
    assert.equal(rows.length, csv.stdout.trim().split('\n').length - 1);
    assert.deepEqual(Object.keys(rows[0]!), ['resource_type', 'entra_attribute', 'snapshot_field', 'note']);
  });

  it('control-plane clients list --json prints one object per client, without its secret', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cli-clients-'));
    try {
      const added = await runCli([
        'control-plane',
        'clients',
        'add',
        '--data-dir',
        dir,
        '--name',
        'a',
        '--json',
      ]);
      assert.equal(added.code, 0, added.stderr);
      const { clientId, clientSecret } = JSON.parse(added.stdout) as {
        clientId: string;
        clientSecret: string;
      };
      const listed = await runCli(['control-plane', 'clients', 'list', '--data-dir', dir, '--json']);
      assert.equal(listed.code, 0, listed.stderr);
      const [c] = listed.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as Record<string, string>);
      assert.equal(c?.clientId, clientId);
      assert.equal(c?.name, 'a');
      assert.ok(!listed.stdout.includes(clientSecret));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
