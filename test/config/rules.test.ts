import assert from 'node:assert/strict';
import { loadConfig } from '../../src/config/load.js';
import { ConfigError } from '../../src/config/source.js';

const TENANT = '11111111-2222-3333-4444-555555555555';
const CLIENT = 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee';
const SECRET = 'Sup3r~Secret.Value_123';
const BASE = {
  BATON_ENTRA_TENANT_ID: TENANT,
  BATON_ENTRA_CLIENT_ID: CLIENT,
  BATON_ENTRA_CLIENT_SECRET: SECRET,
};
const CERT = '-----BEGIN CERTIFICATE-----\nMIIBcert\n-----END CERTIFICATE-----';
const KEY = '-----BEGIN PRIVATE KEY-----\nMIIBkey0123456789\n-----END PRIVATE KEY-----';

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (err) {
    assert.ok(err instanceof ConfigError, String(err));
    return err.problems;
  }
  assert.fail('expected a ConfigError');
}

describe('loadConfig validation rules', () => {
  // Every per-variable check: the problem names the variable.
  const invalid: [string, string][] = [
    ['BATON_ENTRA_TENANT_ID', 'not a tenant!'],
    ['BATON_ENTRA_CLIENT_ID', 'my-app'],
    ['BATON_ENTRA_AUTH_MODE', 'kerberos'],
    ['BATON_ENTRA_CLOUD', 'mars'],
    ['BATON_GRAPH_DOMAIN', 'https://graph.microsoft.com/v1.0'],
    ['BATON_GRAPH_DOMAIN', 'localhost:99999'],
    ['BATON_ENTRA_AUTHORITY_HOST', 'http://login.microsoftonline.com'],
    ['BATON_ENTRA_AUTHORITY_HOST', 'https://login.microsoftonline.com/tenant'],
    ['BATON_EXCHANGE_BASE_URL', 'outlook.office365.com'],
    ['BATON_HTTPS_PROXY', 'socks5://proxy:1080'],
    ['BATON_SKIP_AD_GROUPS', 'maybe'],
    ['BATON_SIGN_IN_ACTIVITY', 'on'],
    ['BATON_ON_PREMISES_EXTENSION_ATTRIBUTES', '2'],
    ['BATON_SKIP_UNASSIGNED_APPS', 'y'],
    ['BATON_SYNC_DEVICES', 'enabled'],
    ['BATON_LICENSED_USERS_ONLY', 'x'],
    ['BATON_PROVISIONING', 'nope'],
    ['BATON_DEVICE_JOIN_TYPES', 'entra,workplace'],
    ['BATON_DEVICE_STALE_DAYS', '-3'],
    ['BATON_USER_STALE_DAYS', '1.5'],
    ['BATON_SCOPE_GROUPS', 'sales-team'],
    // Splits into nothing: read as "no scope" it would sync the whole tenant.
    ['BATON_SCOPE_GROUPS', ',,,'],
    ['BATON_SCOPE_GROUPS', ' , '],
    ['BATON_DELETION_GUARD_WINDOW', '1ms'],
    ['BATON_DELETION_GUARD_WINDOW', '60d'],
    ['BATON_SYNC_RESOURCE_TYPES', 'user,mailbox'],
    ['BATON_GRAPH_MAX_IN_FLIGHT', '0'],
    ['BATON_GRAPH_MAX_IN_FLIGHT', '65'],
    ['BATON_LOG_LEVEL', 'verbose'],
    ['BATON_LOG_FORMAT', 'xml'],
    ['AZURE_AUTHORITY_HOST', 'ftp://login'],
    ['HTTPS_PROXY', 'not a url'],
  ];
  for (const [name, value] of invalid) {
    it(`rejects ${name}=${JSON.stringify(value)} naming the variable`, () => {
      const problems = problemsOf({ ...BASE, [name]: value });
      assert.ok(
        problems.some((p) => p.startsWith(`${name}:`)),
        `expected a problem for ${name}, got ${JSON.stringify(problems)}`,
      );
    });
  }

  const crossField: [string, Record<string, string>, string][] = [
    [
      'tenant id is required',
      { BATON_ENTRA_CLIENT_ID: CLIENT, BATON_ENTRA_CLIENT_SECRET: SECRET },
      'BATON_ENTRA_TENANT_ID',
    ],
    [
      'client id is required',
      { BATON_ENTRA_TENANT_ID: TENANT, BATON_ENTRA_CLIENT_SECRET: SECRET },
      'BATON_ENTRA_CLIENT_ID',
    ],
    [
      'some credential is required',
      { BATON_ENTRA_TENANT_ID: TENANT, BATON_ENTRA_CLIENT_ID: CLIENT },
      'BATON_ENTRA_AUTH_MODE',
    ],
    [
      'secret and certificate is ambiguous',
      { ...BASE, BATON_ENTRA_CERTIFICATE: CERT, BATON_ENTRA_CERTIFICATE_KEY: KEY },
      'BATON_ENTRA_AUTH_MODE',
    ],
    [
      'secret and federated token is ambiguous',
      { ...BASE, AZURE_FEDERATED_TOKEN_FILE: '/var/run/token' },
      'BATON_ENTRA_AUTH_MODE',
    ],
    [
      'certificate needs a key',
      { ...BASE, BATON_ENTRA_CLIENT_SECRET: '', BATON_ENTRA_CERTIFICATE: CERT },
      'BATON_ENTRA_CERTIFICATE_KEY',
    ],
    [
      'certificate must be PEM',
      {
        ...BASE,
        BATON_ENTRA_AUTH_MODE: 'certificate',
        BATON_ENTRA_CERTIFICATE: 'abc',
        BATON_ENTRA_CERTIFICATE_KEY: KEY,
      },
      'BATON_ENTRA_CERTIFICATE',
    ],
    [
      'encrypted key needs a password',
      {
        ...BASE,
        BATON_ENTRA_AUTH_MODE: 'certificate',
        BATON_ENTRA_CERTIFICATE: CERT,
        BATON_ENTRA_CERTIFICATE_KEY: KEY.replaceAll('PRIVATE', 'ENCRYPTED PRIVATE'),
      },
      'BATON_ENTRA_CERTIFICATE_PASSWORD',
    ],
    [
      'certificate password without certificate',
      { ...BASE, BATON_ENTRA_CERTIFICATE_PASSWORD: 'pw123456' },
      'BATON_ENTRA_CERTIFICATE_PASSWORD',
    ],
    [
      'explicit secret mode needs the secret',
      { ...BASE, BATON_ENTRA_CLIENT_SECRET: '', BATON_ENTRA_AUTH_MODE: 'client_secret' },
      'BATON_ENTRA_CLIENT_SECRET',
    ],
    ['ROPC needs a password', { ...BASE, BATON_ENTRA_USERNAME: 'svc@contoso.com' }, 'BATON_ENTRA_PASSWORD'],
    ['ROPC needs a username', { ...BASE, BATON_ENTRA_PASSWORD: 'hunter22' }, 'BATON_ENTRA_USERNAME'],
    [
      'workload identity needs the token file',
      { ...BASE, BATON_ENTRA_AUTH_MODE: 'workload_identity' },
      'AZURE_FEDERATED_TOKEN_FILE',
    ],
    [
      'on-prem members need skip AD groups',
      { ...BASE, BATON_INCLUDE_ON_PREM_GROUP_MEMBERS: 'true' },
      'BATON_INCLUDE_ON_PREM_GROUP_MEMBERS',
    ],
    [
      'device type needs device sync',
      { ...BASE, BATON_SYNC_RESOURCE_TYPES: 'user,device' },
      'BATON_SYNC_RESOURCE_TYPES',
    ],
    [
      'device join types need device sync',
      { ...BASE, BATON_DEVICE_JOIN_TYPES: 'entra' },
      'BATON_DEVICE_JOIN_TYPES',
    ],
    [
      'device stale days need device sync',
      { ...BASE, BATON_DEVICE_STALE_DAYS: '30' },
      'BATON_DEVICE_STALE_DAYS',
    ],
    [
      'user stale days need sign-in activity',
      { ...BASE, BATON_USER_STALE_DAYS: '30' },
      'BATON_USER_STALE_DAYS',
    ],
    ['custom cloud needs hosts', { ...BASE, BATON_ENTRA_CLOUD: 'custom' }, 'BATON_ENTRA_CLOUD'],
    ['unknown BATON_ENTRA_ name', { ...BASE, BATON_ENTRA_CLIENTID: CLIENT }, 'BATON_ENTRA_CLIENTID'],
    ['typo of another BATON_ name', { ...BASE, BATON_SYNC_DEVICE: 'true' }, 'BATON_SYNC_DEVICE'],
  ];
  for (const [label, env, name] of crossField) {
    it(`cross-field: ${label} (names ${name})`, () => {
      const problems = problemsOf(env);
      assert.ok(
        problems.some((p) => p.startsWith(`${name}:`)),
        `expected a problem for ${name}, got ${JSON.stringify(problems)}`,
      );
    });
  }

  it('suggests the nearest known name for a typo', () => {
    const problems = problemsOf({ ...BASE, BATON_ENTRA_TENNANT_ID: TENANT, BATON_SIGNIN_ACTIVITY: 'true' });
    assert.ok(
      problems.includes('BATON_ENTRA_TENNANT_ID: unknown setting; did you mean BATON_ENTRA_TENANT_ID?'),
      problems.join('\n'),
    );
    assert.ok(
      problems.includes('BATON_SIGNIN_ACTIVITY: unknown setting; did you mean BATON_SIGN_IN_ACTIVITY?'),
      problems.join('\n'),
    );
  });

  it('ignores BATON_ names of other components', () => {
    assert.doesNotThrow(() =>
      loadConfig({ ...BASE, BATON_CLIENT_ID: 'x', BATON_SNAPSHOT_DIR: '/tmp', BATON_METRICS_PORT: '9090' }),
    );
  });

  it('reports every problem at once, one per line', () => {
    const problems = problemsOf({
      BATON_ENTRA_CLIENT_ID: 'x',
      BATON_LOG_LEVEL: 'loud',
      BATON_SYNC_DEVICES: '?',
    });
    assert.ok(problems.length >= 4, problems.join('\n'));
    assert.ok(problems.every((p) => !p.includes('\n')));
  });

  it('never echoes a secret value in problems', () => {
    const secrets = {
      BATON_ENTRA_CLIENT_SECRET: 'zz-leak-1-zz',
      BATON_ENTRA_PASSWORD: 'zz-leak-2-zz',
      BATON_ENTRA_CERTIFICATE_KEY: 'zz-leak-3-zz',
      BATON_ENTRA_CERTIFICATE_PASSWORD: 'zz-leak-4-zz',
    };
    let message = '';
    try {
      loadConfig({
        BATON_ENTRA_TENANT_ID: 'zz-leak-0',
        ...secrets,
        BATON_ENTRA_CERTIFICATE: 'zz',
        BATON_HTTPS_PROXY: 'http://u:zz-leak-5-zz@[bad',
      });
    } catch (err) {
      message = (err as Error).message;
    }
    assert.ok(message.length > 0);
    for (const v of [...Object.values(secrets), 'zz-leak-5-zz'])
      assert.ok(!message.includes(v), `leaked ${v}: ${message}`);
  });
});
