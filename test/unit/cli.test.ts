import assert from 'node:assert/strict';
import { runCli } from '../support/cli.js';

describe('baton-entra CLI', () => {
  it('prints help and exits 0', async () => {
    const r = await runCli(['--help']);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /Usage: baton-entra/);
  });

  it('exits non-zero on an unknown command, naming it', async () => {
    const r = await runCli(['no-such-command']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /no-such-command/);
  });
});
