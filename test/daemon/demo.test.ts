import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../support/cli.js';
import { startSimulator } from '../../src/simulator/index.js';

describe('baton-entra demo', function () {
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
    assert.match(r.stdout, /provisioning off — turn it on: echo true > .*BATON_PROVISIONING/);
    const hosts = await readdir(join(dir, 'control-plane', 'syncs'));
    assert.deepEqual(hosts, ['demo-daemon']);
    assert.equal((await readdir(join(dir, 'control-plane', 'syncs', 'demo-daemon'))).length, 1);
  });

  it('runs again on the same data directory as the same client, and delivers again', async function () {
    this.timeout(240_000);
    const args = ['demo', '--data-dir', dir, '--interval', '5s', '--exit-after', '1'];
    const first = await runCli(args);
    assert.equal(first.code, 0, first.stderr);
    const second = await runCli(args);
    assert.equal(second.code, 0, second.stderr);
    assert.match(second.stdout, /uploaded .* → control plane/);
    assert.doesNotMatch(second.stdout, /belongs to another client/);
    assert.equal((await readdir(join(dir, 'control-plane', 'syncs', 'demo-daemon'))).length, 2);
    const saved = join(dir, 'demo-client.json');
    assert.equal((await stat(saved)).mode & 0o777, 0o600, 'the saved credentials are private');
    const clients = await runCli([
      'control-plane',
      'clients',
      'list',
      '--data-dir',
      join(dir, 'control-plane'),
    ]);
    assert.equal(clients.stdout.trim().split('\n').length, 1, 'one demo client, reused');
  });

  it("the README's provisioning walk-through names a security group, a distribution list and a user of neither in the demo tenant", async () => {
    const readme = await readFile(new URL('../../README.md', import.meta.url), 'utf8');
    const idOf = (name: string) => {
      const m = new RegExp(`^${name}=(?:user|group):([0-9a-f-]{36})`, 'm').exec(readme);
      assert.ok(m, `README sets ${name}`);
      return m[1]!;
    };
    const [u, sg, dl] = [idOf('U'), idOf('SG'), idOf('DL')];
    // The demo's simulator runs `simulate --preset demo` with its default seed.
    const sim = await startSimulator({ preset: 'demo', seed: 1 });
    try {
      const t = sim.tenant;
      const g = (id: string) => t.groups.get(id);
      assert.ok(t.users.get(u), 'U is a user of the demo tenant');
      assert.equal(g(sg)?.securityEnabled, true);
      assert.equal(g(sg)?.mailEnabled, false);
      assert.equal(g(dl)?.mailEnabled, true);
      assert.equal(g(dl)?.securityEnabled, false);
      for (const id of [sg, dl]) {
        assert.deepEqual(g(id)?.groupTypes ?? [], []);
        assert.ok(!t.membersOf(id).includes(u), `U is not yet a member of ${g(id)?.displayName}`);
      }
    } finally {
      await sim.close();
    }
  });

  it('rejects a bad --interval naming the flag', async () => {
    const r = await runCli(['demo', '--data-dir', dir, '--interval', 'soon']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--interval/);
  });
});
