import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli, type CliResult } from '../support/cli.js';
import { loadEffectiveConfig } from '../../src/daemon/effective-config.js';
import { ConfigError } from '../../src/config/source.js';

/** A connector configuration that loads; nothing in these tests reaches Entra. */
const CONNECTOR = {
  BATON_ENTRA_TENANT_ID: '11111111-2222-3333-4444-555555555555',
  BATON_ENTRA_CLIENT_ID: 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee',
  BATON_ENTRA_CLIENT_SECRET: 'serve-start-secret-1',
};

/** Problems of `loadEffectiveConfig` (what `serve` checks at start and on every reload). */
function problemsOf(env: Record<string, string>): string[] {
  try {
    loadEffectiveConfig(env);
  } catch (err) {
    assert.ok(err instanceof ConfigError, String(err));
    return err.problems;
  }
  assert.fail('expected a ConfigError');
}

describe('serve refuses bad settings at start', function () {
  this.timeout(90_000);
  let dir: string;
  let base: Record<string, string>;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'serve-start-'));
    base = {
      ...CONNECTOR,
      BATON_DATA_DIR: join(dir, 'data'),
      BATON_HTTP_HOST: '127.0.0.1',
      BATON_HTTP_PORT: '0',
      BATON_SYNC_ON_START: 'false',
    };
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  /** `serve` with `env` over `base`; killed if still running after 30 s (it must exit at once). */
  const serve = (env: Record<string, string>): Promise<CliResult> =>
    runCli(['serve'], { ...base, ...env }, undefined, { timeoutMs: 30_000 });

  /** Exited non-zero by itself, naming each variable, without a stack trace. */
  function assertRefused(r: CliResult, ...names: string[]): void {
    assert.notEqual(r.code, null, `serve was still running: ${r.stdout.slice(-400)}${r.stderr}`);
    assert.notEqual(r.code, 0);
    for (const name of names)
      assert.match(r.stderr, new RegExp(`^ {2}- ${name}: |baton-entra: ${name}: `, 'm'));
    assert.doesNotMatch(r.stderr, /^\s+at /m, 'no stack trace');
  }

  it("exits on BATON_SYNC_CRON='61 * * * *' instead of staying up without syncing", async () => {
    assertRefused(await serve({ BATON_SYNC_CRON: '61 * * * *' }), 'BATON_SYNC_CRON');
  });

  it('exits on BATON_SYNC_INTERVAL=1ms', async () => {
    assertRefused(await serve({ BATON_SYNC_INTERVAL: '1ms' }), 'BATON_SYNC_INTERVAL');
  });

  it("exits on BATON_HTTP_HOST='not a host!' naming it, without a stack trace", async () => {
    assertRefused(await serve({ BATON_HTTP_HOST: 'not a host!' }), 'BATON_HTTP_HOST');
  });

  it('lists every bad setting at once', async () => {
    const r = await serve({
      BATON_SYNC_CRON: '0 2 * * *',
      BATON_SYNC_INTERVAL: '',
      BATON_SYNC_TIMEZONE: 'Mars/Olympus',
      BATON_SCOPE_GROUPS: ',,,',
      BATON_CONTROL_PLANE_ADDRESS: '127.0.0.1:99999',
      BATON_CLIENT_ID: 'prod@baton-entra/x',
      BATON_CLIENT_SECRET: 'secret-token:baton-entra:v1:zz-not-a-key',
      BATON_CONTROL_PLANE_CA: 'garbage',
      BATON_SPOOL_MAX_BYTES: '',
    });
    assertRefused(
      r,
      'BATON_SYNC_INTERVAL',
      'BATON_SYNC_TIMEZONE',
      'BATON_SCOPE_GROUPS',
      'BATON_CONTROL_PLANE_ADDRESS',
      'BATON_CLIENT_SECRET',
      'BATON_CONTROL_PLANE_CA',
      'BATON_SPOOL_MAX_BYTES',
    );
    assert.ok(!r.stderr.includes('zz-not-a-key'), 'the secret is not quoted');
  });

  it("exits on BATON_DATA_DIR='' instead of writing into the working directory", async () => {
    assertRefused(await serve({ BATON_DATA_DIR: '' }), 'BATON_DATA_DIR');
  });

  // Node's recursive mkdir loops forever on /proc/x (the parent exists, the child answers ENOENT).
  it('exits on a BATON_DATA_DIR it cannot create or write (/proc/x)', async () => {
    const r = await serve({ BATON_DATA_DIR: '/proc/x' });
    assertRefused(r, 'BATON_DATA_DIR');
    assert.match(r.stderr, /cannot create or write \/proc\/x/);
  });

  it('exits on a _FILE that is a FIFO instead of hanging', async () => {
    const fifo = join(dir, 'interval');
    execFileSync('mkfifo', [fifo]);
    const r = await serve({ BATON_SYNC_INTERVAL_FILE: fifo });
    assertRefused(r, 'BATON_SYNC_INTERVAL_FILE');
    assert.match(r.stderr, /not a regular file/);
  });

  it('refuses unknown BATON_* names with a suggestion (config only warns of near misses)', async () => {
    const env = {
      ...base,
      BATON_SYNC_INTERVALL: '2h',
      BATON_SYNC_EVERY: '1h',
      BATON_SPOOL_MAX_BYTE_FILE: '/x',
    };
    assert.deepEqual(problemsOf(env), [
      'BATON_SYNC_INTERVALL: unknown setting; did you mean BATON_SYNC_INTERVAL?',
      'BATON_SYNC_EVERY: unknown setting (baton-entra config --list prints every setting)',
      'BATON_SPOOL_MAX_BYTE_FILE: unknown setting; did you mean BATON_SPOOL_MAX_BYTES_FILE?',
    ]);
    const r = await serve({ BATON_SYNC_EVERY: '1h' });
    assertRefused(r, 'BATON_SYNC_EVERY');
    // `config` reads the connector's settings next to other tools' BATON_* names: a far name passes.
    const config = await runCli(['config'], { ...CONNECTOR, BATON_SYNC_EVERY: '1h' });
    assert.equal(config.code, 0, config.stderr);
  });

  it('accepts the _FILE form of every known name', () => {
    const file = join(dir, 'interval');
    execFileSync('sh', ['-c', `printf 15m > ${file}`]);
    const { daemon } = loadEffectiveConfig({ ...base, BATON_SYNC_INTERVAL_FILE: file });
    assert.equal(daemon.schedule.intervalMs, 15 * 60_000);
  });

  it('sync and config refuse a bad connector setting too (an empty scope list)', async () => {
    for (const args of [['config'], ['sync', '--file', join(dir, 'out.snapshot')]]) {
      const r = await runCli(args, { ...CONNECTOR, BATON_SCOPE_GROUPS: ',,,' }, undefined, {
        timeoutMs: 30_000,
      });
      assert.equal(r.code, 1, `${args[0]}: ${r.stderr}`);
      assert.match(r.stderr, /^ {2}- BATON_SCOPE_GROUPS: expected a comma-separated list of object ids/m);
    }
  });
});
