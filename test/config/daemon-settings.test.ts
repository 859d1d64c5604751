import assert from 'node:assert/strict';
import { loadDaemonSettings } from '../../src/daemon/settings.js';
import { ConfigError } from '../../src/config/source.js';
import { CLIENT_SECRET_PREFIX } from '../../src/config/client-secret.js';
import { testTls } from '../support/test-tls.js';
import { clientSecret } from '../support/client-secret.js';

const CONTROL_PLANE = {
  BATON_CONTROL_PLANE_ADDRESS: 'cp.example.com:443',
  BATON_CLIENT_ID: 'prod@baton-entra/abc',
  BATON_CLIENT_SECRET: clientSecret(),
};

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadDaemonSettings(env);
  } catch (err) {
    assert.ok(err instanceof ConfigError, String(err));
    return err.problems;
  }
  assert.fail(`expected a ConfigError for ${JSON.stringify(env)}`);
}

/** The one problem of `env`: it names `name` first and never carries a stack. */
function assertRefused(env: Record<string, string>, name: string, expected?: RegExp): void {
  const problems = problemsOf(env);
  assert.equal(problems.length, 1, problems.join('\n'));
  assert.ok(problems[0]!.startsWith(`${name}: expected`), problems[0]);
  if (expected) assert.match(problems[0]!, expected);
}

describe('daemon settings: bad values stop serve at start, naming the variable', () => {
  describe('BATON_SYNC_CRON', () => {
    const bad: [string, string][] = [
      ['61 * * * *', 'minute 61'],
      ['* * *', 'three fields'],
      ['a b c d e', 'letters'],
      ['0 0 31 2 *', '31 February: a date that never comes'],
      ['0 0 30 2 *', '30 February'],
      ['*/0 * * * *', 'a step of 0'],
      ['0 0 0 * * * *', 'seven fields'],
      ['', 'empty'],
      ['   ', 'blank'],
      ['0 0 * * 8', 'weekday 8'],
    ];
    for (const [cron, what] of bad)
      it(`refuses ${JSON.stringify(cron)} (${what})`, () =>
        assertRefused({ BATON_SYNC_CRON: cron }, 'BATON_SYNC_CRON', /cron expression/));

    it('accepts 5 and 6 fields, names, and a rare but real date (29 February)', () => {
      for (const cron of ['0 2 * * *', '*/30 * * * * *', '0 0 * * MON', '0 0 29 2 *', '0 0 1 * *'])
        assert.equal(loadDaemonSettings({ BATON_SYNC_CRON: cron }).schedule.cron, cron);
    });
  });

  it('BATON_SYNC_TIMEZONE must be an IANA zone', () => {
    assertRefused(
      { BATON_SYNC_CRON: '0 2 * * *', BATON_SYNC_TIMEZONE: 'Mars/Olympus' },
      'BATON_SYNC_TIMEZONE',
    );
    assertRefused({ BATON_SYNC_TIMEZONE: '' }, 'BATON_SYNC_TIMEZONE');
    assert.equal(
      loadDaemonSettings({ BATON_SYNC_TIMEZONE: 'Europe/Paris' }).schedule.timezone,
      'Europe/Paris',
    );
  });

  it('BATON_SYNC_INTERVAL lies between 5s and 365d; 30d is allowed (the scheduler chains long waits)', () => {
    for (const v of ['1ms', '4s', '366d'])
      assertRefused({ BATON_SYNC_INTERVAL: v }, 'BATON_SYNC_INTERVAL', /between 5s and 365d/);
    assert.equal(loadDaemonSettings({ BATON_SYNC_INTERVAL: '30d' }).schedule.intervalMs, 30 * 86_400_000);
  });

  it('every other duration that feeds a timer or a comparison is bounded', () => {
    assertRefused({ BATON_FULL_SYNC_INTERVAL: '1s' }, 'BATON_FULL_SYNC_INTERVAL', /between 1m and 365d/);
    assertRefused({ BATON_FULL_SYNC_INTERVAL: '400d' }, 'BATON_FULL_SYNC_INTERVAL');
    assertRefused({ BATON_SHUTDOWN_TIMEOUT: '30d' }, 'BATON_SHUTDOWN_TIMEOUT', /between 1s and 1h/);
    assertRefused({ BATON_LEASE_DURATION: '30d' }, 'BATON_LEASE_DURATION', /between 100ms and 1h/);
    assertRefused({ BATON_LEASE_RENEW_DEADLINE: '1ms' }, 'BATON_LEASE_RENEW_DEADLINE');
    assertRefused({ BATON_LEASE_RETRY_PERIOD: '2d' }, 'BATON_LEASE_RETRY_PERIOD');
  });

  it('BATON_DATA_DIR must not be empty (it would be the working directory)', () => {
    assertRefused({ BATON_DATA_DIR: '' }, 'BATON_DATA_DIR');
    assertRefused({ BATON_DATA_DIR: '  ' }, 'BATON_DATA_DIR');
  });

  it('BATON_CONTROL_PLANE_ADDRESS needs a port between 1 and 65535', () => {
    for (const address of [
      '127.0.0.1:99999',
      '127.0.0.1:0',
      'cp.example.com',
      ':443',
      'cp.example.com:443/x',
    ])
      assertRefused(
        { ...CONTROL_PLANE, BATON_CONTROL_PLANE_ADDRESS: address },
        'BATON_CONTROL_PLANE_ADDRESS',
        /1 and 65535/,
      );
    assert.equal(
      loadDaemonSettings({ ...CONTROL_PLANE, BATON_CONTROL_PLANE_ADDRESS: '[::1]:7443' }).controlPlane
        ?.address,
      '[::1]:7443',
    );
  });

  it('BATON_CLIENT_SECRET is parsed at start, and never quoted', () => {
    const secret = CONTROL_PLANE.BATON_CLIENT_SECRET;
    const malformed = [
      'not-a-secret-zz1',
      `${CLIENT_SECRET_PREFIX}!!!zz2`,
      CLIENT_SECRET_PREFIX + Buffer.from('{"kty":"RSA","zz":"3"}').toString('base64url'),
      CLIENT_SECRET_PREFIX +
        Buffer.from(JSON.stringify({ kty: 'OKP', crv: 'Ed25519', x: 'zz4', d: 'zz4' })).toString('base64url'),
      secret.slice(0, -6),
    ];
    for (const value of malformed) {
      const problems = problemsOf({ ...CONTROL_PLANE, BATON_CLIENT_SECRET: value });
      assert.equal(problems.length, 1, problems.join('\n'));
      assert.match(
        problems[0]!,
        /^BATON_CLIENT_SECRET: expected the client secret printed by "control-plane clients add"/,
      );
      assert.ok(!problems[0]!.includes(value.slice(-5)), problems[0]);
    }
    assert.equal(loadDaemonSettings(CONTROL_PLANE).controlPlane?.clientSecret, secret);
  });

  it('BATON_CONTROL_PLANE_CA and the mTLS pair must be PEM that parses', async () => {
    const { caPem, certPem, keyPem } = await testTls();
    assertRefused(
      { ...CONTROL_PLANE, BATON_CONTROL_PLANE_CA: 'garbage' },
      'BATON_CONTROL_PLANE_CA',
      /PEM certificate/,
    );
    assertRefused(
      {
        ...CONTROL_PLANE,
        BATON_CONTROL_PLANE_CA: '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----',
      },
      'BATON_CONTROL_PLANE_CA',
      /does not parse/,
    );
    assertRefused(
      {
        ...CONTROL_PLANE,
        BATON_CONTROL_PLANE_CLIENT_CERT: certPem,
        BATON_CONTROL_PLANE_CLIENT_KEY: 'zz-not-a-key',
      },
      'BATON_CONTROL_PLANE_CLIENT_KEY',
    );
    const ok = loadDaemonSettings({
      ...CONTROL_PLANE,
      BATON_CONTROL_PLANE_CA: `${caPem}${certPem}`,
      BATON_CONTROL_PLANE_CLIENT_CERT: certPem,
      BATON_CONTROL_PLANE_CLIENT_KEY: keyPem,
    });
    assert.equal(ok.controlPlane?.tls.caPem, `${caPem}${certPem}`);
  });

  it('counts and ports are digits: an empty value is not 0', () => {
    assertRefused({ ...CONTROL_PLANE, BATON_SPOOL_MAX_BYTES: '' }, 'BATON_SPOOL_MAX_BYTES');
    assertRefused({ ...CONTROL_PLANE, BATON_SPOOL_MAX_FILES: ' ' }, 'BATON_SPOOL_MAX_FILES');
    assertRefused({ ...CONTROL_PLANE, BATON_SPOOL_MAX_BYTES: '1e9' }, 'BATON_SPOOL_MAX_BYTES');
    assertRefused({ BATON_HTTP_PORT: '' }, 'BATON_HTTP_PORT');
    assertRefused({ BATON_KEEP_SNAPSHOTS: '' }, 'BATON_KEEP_SNAPSHOTS');
  });

  it('BATON_HTTP_HOST must be an address or a host name', () => {
    for (const host of ['not a host!', '', 'http://0.0.0.0', '0.0.0.0:8080'])
      assertRefused({ BATON_HTTP_HOST: host }, 'BATON_HTTP_HOST', /IP address or a host name/);
    for (const host of ['0.0.0.0', '::', '127.0.0.1', 'localhost', 'pod-1.cluster.local'])
      assert.equal(loadDaemonSettings({ BATON_HTTP_HOST: host }).http.host, host);
  });
});
