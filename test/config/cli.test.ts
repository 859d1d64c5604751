import assert from 'node:assert/strict';
import { runCli } from '../support/cli.js';

const ENV = {
  BATON_ENTRA_TENANT_ID: '11111111-2222-3333-4444-555555555555',
  BATON_ENTRA_CLIENT_ID: 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee',
  BATON_ENTRA_CLIENT_SECRET: 'cli-secret-value-42',
  BATON_HTTPS_PROXY: 'http://user:proxy-pass-99@127.0.0.1:3128',
};

describe('baton-entra config', () => {
  it('prints the effective configuration with secrets masked', async () => {
    const r = await runCli(['config'], ENV);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^auth\.mode = client_secret$/m);
    assert.match(r.stdout, /^auth\.clientSecret = \[set\]$/m);
    assert.match(r.stdout, /^graphDomain = graph\.microsoft\.com$/m);
    assert.ok(!r.stdout.includes('cli-secret-value-42'));
    assert.ok(!r.stdout.includes('proxy-pass-99'));
  });

  it("checks the daemon's settings as serve would: a bad one exits 1 naming it", async () => {
    const r = await runCli(['config'], { ...ENV, BATON_SYNC_INTERVAL: 'banana', BATON_HTTP_PORT: '99999' });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /BATON_SYNC_INTERVAL: expected a duration/);
    assert.match(r.stderr, /BATON_HTTP_PORT: /);
    assert.equal(r.stdout, '');
  });

  it('prints JSON with --json', async () => {
    const r = await runCli(['config', '--json'], ENV);
    assert.equal(r.code, 0, r.stderr);
    const parsed = JSON.parse(r.stdout) as { auth: { clientSecret: string }; cloud: string };
    assert.equal(parsed.auth.clientSecret, '[set]');
    assert.equal(parsed.cloud, 'public');
  });

  it('exits 1 listing each problem, without echoing secrets', async () => {
    const r = await runCli(['config'], {
      ...ENV,
      BATON_ENTRA_TENANT_ID: 'bad tenant',
      BATON_LOG_LEVEL: 'loud',
    });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /BATON_ENTRA_TENANT_ID: /);
    assert.match(r.stderr, /BATON_LOG_LEVEL: expected one of/);
    assert.ok(!r.stderr.includes('cli-secret-value-42'));
    assert.equal(r.stdout, '');
  });

  it('lists the settings catalogue', async () => {
    const r = await runCli(['config', '--list', '--json'], {});
    assert.equal(r.code, 0, r.stderr);
    const rows = JSON.parse(r.stdout) as { name: string; secret: boolean }[];
    assert.ok(rows.some((s) => s.name === 'BATON_ENTRA_CLIENT_SECRET' && s.secret));
  });
});
