import assert from 'node:assert/strict';
import { mkdtemp, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { X509Certificate } from 'node:crypto';
import { WorkloadIdentityCredential } from '@azure/identity';
import { exportJWK, generateKeyPair, SignJWT, decodeJwt } from 'jose';
import { startSimulator } from '../../src/simulator/index.js';
import { CLIENT_ID, TENANT_ID } from './support/fixture-data.js';
import { raw, startFixtureSim, token } from './support/sim.js';

describe('simulator server', () => {
  it('writes ca.pem and 0600 keys to stateDir; the certificate covers localhost, 127.0.0.1 and ::1', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sim-state-'));
    const { sim } = await startFixtureSim({ users: 3, groups: 1 }, { stateDir: dir });
    try {
      assert.equal(sim.caCertPath, join(dir, 'ca.pem'));
      assert.equal((await stat(join(dir, 'server-key.pem'))).mode & 0o777, 0o600);
      assert.equal((await stat(join(dir, 'ca-key.pem'))).mode & 0o777, 0o600);
      const ca = new X509Certificate(sim.caCertPem);
      assert.ok(ca.ca);
      assert.match(sim.url, /^https:\/\/localhost:\d+$/);
      assert.equal(sim.graphDomain, `localhost:${sim.port}`);
      // global fetch (undici) honours tls.setDefaultCACertificates, by name and by IP.
      assert.equal(
        (await fetch(`https://127.0.0.1:${sim.port}/${TENANT_ID}/v2.0/.well-known/openid-configuration`))
          .status,
        200,
      );
      const server = await fetch(`${sim.url}/common/discovery/instance`);
      assert.equal(server.status, 200);
    } finally {
      await sim.close();
    }
  });

  it('removes the temporary state dir it created on close', async () => {
    const { sim } = await startFixtureSim({ users: 3, groups: 1 });
    await stat(sim.caCertPath);
    await sim.close();
    await assert.rejects(stat(sim.caCertPath), /ENOENT/);
  });

  it('answers 400 to a badly percent-encoded path and 404 to an unknown endpoint', async () => {
    const { sim } = await startFixtureSim({ users: 3, groups: 1 });
    try {
      assert.equal((await raw(sim, '/v1.0/users/%zz')).status, 400);
      const unknown = await raw(sim, '/nothing/here');
      assert.equal(unknown.status, 404);
      assert.match(unknown.body.error.message, /No simulator endpoint serves GET \/nothing\/here/);
    } finally {
      await sim.close();
    }
  });

  it('a restart on the same stateDir keeps the CA clients already trust', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sim-state-'));
    const first = await startFixtureSim({ users: 3, groups: 1 }, { stateDir: dir });
    await first.sim.close();
    const second = await startFixtureSim({ users: 3, groups: 1 }, { stateDir: dir });
    try {
      assert.equal(second.sim.caCertPem, first.sim.caCertPem);
      const res = await fetch(`${second.sim.url}/${TENANT_ID}/v2.0/.well-known/openid-configuration`);
      assert.equal(res.status, 200);
    } finally {
      await second.sim.close();
    }
  });

  it('refuses a non-loopback host', async () => {
    await assert.rejects(startSimulator({ host: '0.0.0.0' }), /host: the simulator listens on loopback only/);
  });

  it('advanceClock moves token expiry when no clock was injected', async () => {
    const { sim } = await startFixtureSim({ users: 3, groups: 1 });
    try {
      const tok = await token(sim);
      assert.equal((await raw(sim, '/v1.0/organization', { token: tok })).status, 200);
      sim.advanceClock(3599_000);
      assert.equal((await raw(sim, '/v1.0/organization', { token: tok })).status, 401);
      assert.throws(() => sim.advanceClock(-1), /non-negative/);
    } finally {
      await sim.close();
    }
  });

  it('WorkloadIdentityCredential reads a federated token file and gets a Graph token', async () => {
    const { sim, tenant } = await startFixtureSim({ users: 3, groups: 1 });
    try {
      const { privateKey, publicKey } = await generateKeyPair('RS256');
      const issuer = 'https://oidc.aks.example/tenant/';
      const subject = 'system:serviceaccount:identity:baton-entra';
      tenant.updateClient(CLIENT_ID, {
        federatedCredentials: [
          {
            issuer,
            subject,
            audiences: ['api://AzureADTokenExchange'],
            jwks: { keys: [{ ...(await exportJWK(publicKey)), kid: 'sa' }] },
          },
        ],
      });
      const file = join(await mkdtemp(join(tmpdir(), 'wi-')), 'azure-identity-token');
      await writeFile(
        file,
        await new SignJWT({})
          .setProtectedHeader({ alg: 'RS256', kid: 'sa' })
          .setIssuer(issuer)
          .setSubject(subject)
          .setAudience('api://AzureADTokenExchange')
          .setIssuedAt()
          .setExpirationTime('1h')
          .sign(privateKey),
      );
      const cred = new WorkloadIdentityCredential({
        tenantId: TENANT_ID,
        clientId: CLIENT_ID,
        tokenFilePath: file,
        authorityHost: sim.authorityHost,
        disableInstanceDiscovery: true,
      });
      const t = await cred.getToken('https://graph.microsoft.com/.default');
      assert.equal(decodeJwt(t.token).appid, CLIENT_ID);
    } finally {
      await sim.close();
    }
  });
});
