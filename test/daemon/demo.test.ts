import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../support/cli.js';

describe('baton-entra demo', function () {
  this.timeout(120_000);
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'demo-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('runs simulator, control plane and daemon together until a snapshot is uploaded', async () => {
    const r = await runCli(['demo', '--data-dir', dir, '--interval', '5s', '--exit-after', '1']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Entra simulator/);
    assert.match(r.stdout, /sync finished: \d+ resources/);
    assert.match(r.stdout, /uploaded .* → control plane/);
    const hosts = await readdir(join(dir, 'control-plane', 'syncs'));
    assert.deepEqual(hosts, ['demo-daemon']);
    assert.equal((await readdir(join(dir, 'control-plane', 'syncs', 'demo-daemon'))).length, 1);
  });

  it('rejects a bad --interval naming the flag', async () => {
    const r = await runCli(['demo', '--data-dir', dir, '--interval', 'soon']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--interval/);
  });
});
