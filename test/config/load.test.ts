import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/load.js';
import { ConfigError } from '../../src/config/source.js';
import { SETTINGS } from '../../src/config/settings.js';
import { scrubSecrets } from '../../src/observability/logger.js';

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

describe('loadConfig', () => {
  it('loads a minimal client-secret configuration with defaults', () => {
    const c = loadConfig(BASE);
    assert.deepEqual(c.auth, {
      mode: 'client_secret',
      tenantId: TENANT,
      clientId: CLIENT,
      clientSecret: SECRET,
    });
    assert.equal(c.cloud, 'public');
    assert.equal(c.graphDomain, 'graph.microsoft.com');
    assert.equal(c.graphBaseUrl, 'https://graph.microsoft.com');
    assert.equal(c.authorityHost, 'https://login.microsoftonline.com');
    assert.equal(c.exchangeBaseUrl, 'https://outlook.office365.com');
    assert.equal(c.syncDevices, false);
    assert.ok(!c.syncResourceTypes.includes('device'));
    assert.ok(c.syncResourceTypes.includes('user'));
    assert.ok(c.syncResourceTypes.includes('credential'), 'credentials are synced by default');
    assert.deepEqual(loadConfig({ ...BASE, BATON_SYNC_RESOURCE_TYPES: 'credential' }).syncResourceTypes, [
      'credential',
    ]);
    assert.equal(c.logLevel, 'info');
    assert.equal(c.logFormat, 'json');
  });

  it('applies cloud presets and lets explicit hosts win', () => {
    const gov = loadConfig({ ...BASE, BATON_ENTRA_CLOUD: 'usgov' });
    assert.equal(gov.graphDomain, 'graph.microsoft.us');
    assert.equal(gov.authorityHost, 'https://login.microsoftonline.us');
    assert.equal(gov.exchangeBaseUrl, 'https://outlook.office365.us');
    const dod = loadConfig({ ...BASE, BATON_ENTRA_CLOUD: 'usgov-dod' });
    assert.equal(dod.graphDomain, 'dod-graph.microsoft.us');
    const cn = loadConfig({ ...BASE, BATON_ENTRA_CLOUD: 'china' });
    assert.equal(cn.authorityHost, 'https://login.chinacloudapi.cn');
    const local = loadConfig({
      ...BASE,
      BATON_GRAPH_DOMAIN: 'localhost:8443',
      BATON_ENTRA_AUTHORITY_HOST: 'https://localhost:8443/',
    });
    assert.equal(local.cloud, 'custom');
    assert.equal(local.graphBaseUrl, 'https://localhost:8443');
    assert.equal(local.authorityHost, 'https://localhost:8443');
    assert.equal(local.exchangeBaseUrl, 'https://localhost:8443');
  });

  it('parses booleans, lists and numbers', () => {
    const c = loadConfig({
      ...BASE,
      BATON_SKIP_AD_GROUPS: 'YES',
      BATON_INCLUDE_ON_PREM_GROUP_MEMBERS: '1',
      BATON_SIGN_IN_ACTIVITY: 'true',
      BATON_USER_STALE_DAYS: '90',
      BATON_SYNC_DEVICES: 'yes',
      BATON_DEVICE_JOIN_TYPES: 'entra, hybrid',
      BATON_DEVICE_STALE_DAYS: '30',
      BATON_SCOPE_GROUPS: `${TENANT.toUpperCase()},${CLIENT}`,
      BATON_SYNC_RESOURCE_TYPES: 'user,group,device',
      BATON_PROVISIONING: 'no',
      BATON_LOG_LEVEL: 'debug',
      BATON_LOG_FORMAT: 'console',
      BATON_GRAPH_MAX_IN_FLIGHT: '4',
    });
    assert.equal(c.graphMaxInFlight, 4);
    assert.equal(c.skipAdGroups, true);
    assert.equal(c.includeOnPremGroupMembers, true);
    assert.deepEqual(c.deviceJoinTypes, ['entra', 'hybrid']);
    assert.equal(c.deviceStaleDays, 30);
    assert.equal(c.userStaleDays, 90);
    assert.deepEqual(c.scopeGroups, [TENANT, CLIENT]);
    assert.deepEqual(c.syncResourceTypes, ['user', 'group', 'device']);
    assert.equal(c.provisioning, false);
    assert.equal(c.logFormat, 'console');
  });

  it('registers secrets for log scrubbing', () => {
    loadConfig({ ...BASE, BATON_ENTRA_CLIENT_SECRET: 'registered-secret-xyz' });
    assert.equal(scrubSecrets('token registered-secret-xyz here'), 'token [REDACTED] here');
  });

  it('resolves BATON_X_FILE settings (Kubernetes secret volumes)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'baton-config-'));
    writeFileSync(join(dir, 'secret'), `${SECRET}\n`);
    writeFileSync(join(dir, 'cert.pem'), `${CERT}\n${KEY}\n`);
    const c = loadConfig({
      BATON_ENTRA_TENANT_ID: TENANT,
      BATON_ENTRA_CLIENT_ID: CLIENT,
      BATON_ENTRA_CLIENT_SECRET_FILE: join(dir, 'secret'),
    });
    assert.equal(c.auth.mode === 'client_secret' && c.auth.clientSecret, SECRET);
    // A combined PEM (certificate + key) satisfies "certificate needs key".
    const cert = loadConfig({
      BATON_ENTRA_TENANT_ID: TENANT,
      BATON_ENTRA_CLIENT_ID: CLIENT,
      BATON_ENTRA_CERTIFICATE_FILE: join(dir, 'cert.pem'),
    });
    assert.equal(cert.auth.mode, 'certificate');
    if (cert.auth.mode === 'certificate') {
      assert.equal(cert.auth.privateKeyPem, KEY);
      assert.ok(!cert.auth.certificatePem.includes('PRIVATE KEY'));
    }
    const problems = problemsOf({ ...BASE, BATON_ENTRA_CLIENT_SECRET_FILE: join(dir, 'missing') });
    assert.ok(
      problems.some((p) => p.startsWith('BATON_ENTRA_CLIENT_SECRET')),
      problems.join('\n'),
    );
  });

  it('takes workload identity from the AKS webhook variables, BATON_ values winning', () => {
    const c = loadConfig({
      AZURE_TENANT_ID: TENANT,
      AZURE_CLIENT_ID: CLIENT,
      AZURE_FEDERATED_TOKEN_FILE: '/var/run/secrets/azure/tokens/azure-identity-token',
      AZURE_AUTHORITY_HOST: 'https://login.microsoftonline.us/',
    });
    assert.deepEqual(c.auth, {
      mode: 'workload_identity',
      tenantId: TENANT,
      clientId: CLIENT,
      tokenFilePath: '/var/run/secrets/azure/tokens/azure-identity-token',
    });
    assert.equal(c.authorityHost, 'https://login.microsoftonline.us');
    const other = 'bbbbbbbb-bbbb-cccc-dddd-eeeeeeeeeeee';
    const w = loadConfig({
      AZURE_TENANT_ID: 'contoso.onmicrosoft.com',
      AZURE_CLIENT_ID: CLIENT,
      BATON_ENTRA_CLIENT_ID: other,
      AZURE_FEDERATED_TOKEN_FILE: '/t',
    });
    assert.equal(w.auth.clientId, other);
    assert.equal(w.auth.tenantId, 'contoso.onmicrosoft.com');
  });

  it('takes the proxy from BATON_HTTPS_PROXY, else HTTPS_PROXY, with NO_PROXY', () => {
    assert.equal(
      loadConfig({ ...BASE, HTTPS_PROXY: 'http://p:3128', NO_PROXY: 'localhost' }).httpsProxy,
      'http://p:3128',
    );
    const c = loadConfig({
      ...BASE,
      HTTPS_PROXY: 'http://p:3128',
      BATON_HTTPS_PROXY: 'http://q:8080',
      NO_PROXY: 'localhost,.internal',
    });
    assert.equal(c.httpsProxy, 'http://q:8080');
    assert.equal(c.noProxy, 'localhost,.internal');
  });

  it('ROPC takes an optional client secret; explicit mode resolves an ambiguity', () => {
    const c = loadConfig({
      ...BASE,
      BATON_ENTRA_USERNAME: 'svc@contoso.com',
      BATON_ENTRA_PASSWORD: 'pw-123456',
    });
    assert.deepEqual(c.auth, {
      mode: 'password',
      tenantId: TENANT,
      clientId: CLIENT,
      username: 'svc@contoso.com',
      password: 'pw-123456',
      clientSecret: SECRET,
    });
    const explicit = loadConfig({
      ...BASE,
      AZURE_FEDERATED_TOKEN_FILE: '/t',
      BATON_ENTRA_AUTH_MODE: 'client_secret',
    });
    assert.equal(explicit.auth.mode, 'client_secret');
  });

  it('has a catalogue entry with a description for every setting', () => {
    assert.ok(SETTINGS.length >= 25);
    for (const s of SETTINGS) assert.ok(s.name.startsWith('BATON_') && s.description.length > 10, s.name);
    assert.deepEqual(
      SETTINGS.filter((s) => s.secret)
        .map((s) => s.name)
        .sort(),
      [
        'BATON_CLIENT_SECRET',
        'BATON_CONTROL_PLANE_CLIENT_KEY',
        'BATON_ENTRA_CERTIFICATE_KEY',
        'BATON_ENTRA_CERTIFICATE_PASSWORD',
        'BATON_ENTRA_CLIENT_SECRET',
        'BATON_ENTRA_PASSWORD',
      ],
    );
  });
});
