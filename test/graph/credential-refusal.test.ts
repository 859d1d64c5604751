import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSimulator, trustSimulatorCa, type Simulator } from '../../src/simulator/index.js';
import { loadConfig } from '../../src/config/load.js';
import { createCredential, graphScope } from '../../src/graph/credentials.js';
import { explainTokenFailure } from '../../src/graph/credential-refusal.js';
import { simulatorEnv } from '../support/simulator-env.js';
import { rsaCertificate } from '../support/app-certificate.js';

/** What Entra (the simulator's token endpoint) answers to the settings `env` changes, explained. */
async function refusalFor(
  sim: Simulator,
  env: Record<string, string | undefined>,
): Promise<string | undefined> {
  const merged = { ...simulatorEnv(sim), ...env };
  const config = loadConfig(
    Object.fromEntries(Object.entries(merged).filter(([, v]) => v !== undefined)) as Record<string, string>,
  );
  try {
    await createCredential(config).getToken(graphScope(config));
  } catch (err) {
    return (await explainTokenFailure(config, err))?.message;
  }
  assert.fail('expected Entra to refuse the credential');
}

describe('Entra refusals name the setting and say what Entra said', function () {
  this.timeout(60_000);
  let sim: Simulator;
  let dir: string;
  before(async () => {
    sim = await startSimulator({ preset: 'demo', seed: 5 });
    trustSimulatorCa(sim.caCertPem);
    dir = mkdtempSync(join(tmpdir(), 'refusal-'));
  });
  after(async () => {
    await sim.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('AADSTS7000215: a wrong client secret', async () => {
    assert.equal(
      await refusalFor(sim, { BATON_ENTRA_CLIENT_SECRET: 'not-the-secret' }),
      "BATON_ENTRA_CLIENT_SECRET: Entra refused the client secret (AADSTS7000215: invalid client secret provided) — check it is the secret's value, not its id",
    );
  });

  it('AADSTS700016: an application the tenant does not know', async () => {
    assert.match(
      (await refusalFor(sim, { BATON_ENTRA_CLIENT_ID: '00000000-0000-4000-8000-000000000001' }))!,
      /^BATON_ENTRA_CLIENT_ID: Entra does not know the application \(AADSTS700016: application not found in the directory\) — /,
    );
  });

  it('AADSTS90002: a tenant Entra does not know (MSAL only says its discovery failed)', async () => {
    assert.match(
      (await refusalFor(sim, { BATON_ENTRA_TENANT_ID: '00000000-0000-4000-8000-000000000002' }))!,
      /^BATON_ENTRA_TENANT_ID: Entra does not know the tenant \(AADSTS90002: tenant not found\) — /,
    );
  });

  it('AADSTS50076: a password sign-in of a user who must use MFA', async () => {
    const [id, creds] = [...sim.tenant.userCredentials].find(([, c]) => c.mfaRequired)!;
    assert.match(
      (await refusalFor(sim, {
        BATON_ENTRA_USERNAME: sim.tenant.users.get(id)!.userPrincipalName,
        BATON_ENTRA_PASSWORD: creds.password,
      }))!,
      /^BATON_ENTRA_USERNAME: Entra refused the password sign-in \(AADSTS50076: multi-factor authentication is required\) — /,
    );
  });

  it('AADSTS50126: a wrong password', async () => {
    const [id] = [...sim.tenant.userCredentials].find(([, c]) => !c.mfaRequired)!;
    assert.match(
      (await refusalFor(sim, {
        BATON_ENTRA_USERNAME: sim.tenant.users.get(id)!.userPrincipalName,
        BATON_ENTRA_PASSWORD: 'not-the-password',
      }))!,
      /^BATON_ENTRA_PASSWORD: Entra refused the password sign-in \(AADSTS50126: invalid username or password\)/,
    );
  });

  it('AADSTS50027: a federated token file that holds no JWT', async () => {
    const tokenFile = join(dir, 'token');
    writeFileSync(tokenFile, 'not-a-jwt');
    assert.match(
      (await refusalFor(sim, {
        BATON_ENTRA_CLIENT_SECRET: undefined,
        BATON_ENTRA_AUTH_MODE: 'workload_identity',
        AZURE_FEDERATED_TOKEN_FILE: tokenFile,
      }))!,
      /^AZURE_FEDERATED_TOKEN_FILE: Entra refused the client assertion \(AADSTS50027: invalid or malformed JWT\) — /,
    );
  });

  it('AADSTS700027: a certificate not registered on the application', async () => {
    const { certPem, keyPem } = await rsaCertificate();
    assert.match(
      (await refusalFor(sim, {
        BATON_ENTRA_CLIENT_SECRET: undefined,
        BATON_ENTRA_CERTIFICATE: certPem,
        BATON_ENTRA_CERTIFICATE_KEY: keyPem,
      }))!,
      /^BATON_ENTRA_CERTIFICATE: Entra refused the certificate \(AADSTS700027: client assertion failed signature validation\) — /,
    );
  });

  it('an unreachable authority is not a refusal (the daemon starts and retries)', async () => {
    const config = loadConfig({ ...simulatorEnv(sim), BATON_ENTRA_AUTHORITY_HOST: 'https://127.0.0.1:1' });
    const err = await createCredential(config)
      .getToken(graphScope(config))
      .then(
        () => assert.fail('expected no token'),
        (e: unknown) => e,
      );
    assert.equal(await explainTokenFailure(config, err), undefined);
  });
});
