import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSimulator, type Simulator } from '../../src/simulator/index.js';
import { runCli, type CliResult } from '../support/cli.js';
import { simulatorEnv } from '../support/simulator-env.js';

const REFUSED =
  "BATON_ENTRA_CLIENT_SECRET: Entra refused the client secret (AADSTS7000215: invalid client secret provided) — check it is the secret's value, not its id";

describe('validate, sync, serve, events and provisioning commands say which Entra setting was refused', function () {
  this.timeout(120_000);
  let sim: Simulator;
  let dir: string;
  let env: Record<string, string>;
  before(async () => {
    sim = await startSimulator({ preset: 'demo', seed: 9 });
    dir = mkdtempSync(join(tmpdir(), 'refusal-cli-'));
    env = {
      NODE_EXTRA_CA_CERTS: sim.caCertPath,
      ...simulatorEnv(sim),
      BATON_ENTRA_CLIENT_SECRET: 'zz-wrong-secret-zz',
      BATON_LOG_LEVEL: 'warn',
    };
  });
  after(async () => {
    await sim.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const run = (args: string[], extra: Record<string, string> = {}): Promise<CliResult> =>
    runCli(args, { ...env, ...extra }, undefined, { timeoutMs: 60_000 });

  function assertNoStackNorSecret(r: CliResult): void {
    assert.doesNotMatch(r.stderr, /^\s+at /m, 'no stack trace');
    assert.ok(!`${r.stdout}${r.stderr}`.includes('zz-wrong-secret-zz'), 'the secret is not printed');
  }

  it('validate reports it in the token line and exits 1', async () => {
    const r = await run(['validate']);
    assert.equal(r.code, 1, r.stderr);
    assert.ok(r.stdout.includes(`        ${REFUSED}\n`), r.stdout);
    assertNoStackNorSecret(r);
  });

  it('sync exits 1 with it instead of a stack trace', async () => {
    const r = await run(['sync', '--file', join(dir, 'tenant.snapshot')]);
    assert.equal(r.code, 1, r.stderr);
    assert.ok(r.stderr.includes(`baton-entra: ${REFUSED}\n`), r.stderr);
    assertNoStackNorSecret(r);
  });

  it('serve exits 1 with it at start-up instead of running unconnected', async () => {
    const r = await run(['serve'], {
      BATON_DATA_DIR: join(dir, 'data'),
      BATON_HTTP_HOST: '127.0.0.1',
      BATON_HTTP_PORT: '0',
    });
    assert.equal(r.code, 1, `${r.stdout.slice(-500)}${r.stderr}`);
    assert.ok(r.stderr.includes(`baton-entra: ${REFUSED}\n`), r.stderr);
    assertNoStackNorSecret(r);
  });

  it('events exits 1 with it instead of a stack trace', async () => {
    const r = await run(['events', '--since', '1h']);
    assert.equal(r.code, 1, r.stderr);
    assert.ok(r.stderr.includes(`baton-entra: ${REFUSED}\n`), r.stderr);
    assertNoStackNorSecret(r);
  });

  it('a provisioning command exits 1 with it instead of a stack trace', async () => {
    const user = [...sim.tenant.users.keys()][0]!;
    const group = [...sim.tenant.groups.values()].find((g) => !g.groupTypes.includes('DynamicMembership'))!;
    const r = await run(
      [
        'grant',
        '--entitlement',
        `group:${group.id}:member`,
        '--principal',
        `user:${user}`,
        '--data-dir',
        join(dir, 'prov'),
      ],
      { BATON_PROVISIONING: 'true' },
    );
    assert.equal(r.code, 1, r.stderr);
    assert.ok(r.stderr.includes(`baton-entra: ${REFUSED}\n`), r.stderr);
    assertNoStackNorSecret(r);
  });
});
