import assert from 'node:assert/strict';
import { credentials, Metadata, status, type ServiceError } from '@grpc/grpc-js';
import { generateKeyPair, exportJWK } from 'jose';
import { join } from 'node:path';
import { ControlPlaneServiceClient, type HelloResponse } from '../../src/gen/baton_entra/v1/control_plane.js';
import { listHosts } from '../../src/reference-control-plane/hosts.js';
import type { RunningControlPlane } from '../../src/reference-control-plane/server.js';
import type { ControlPlaneAgent } from '../../src/daemon/agent/agent.js';
import { createLogger } from '../../src/observability/logger.js';
import { makePki } from './certs.js';
import {
  agentSettings,
  helloInfo,
  idleHandler,
  makeSnapshot,
  newAgent,
  newClient,
  startPlane,
  tempDir,
  waitFor,
} from './helpers.js';

describe('control plane authentication and transport security', function () {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let plane: RunningControlPlane | undefined;
  const agents: ControlPlaneAgent[] = [];

  beforeEach(async () => {
    dir = await tempDir('cp-auth');
  });
  afterEach(async () => {
    await Promise.all(agents.splice(0).map((a) => a.stop()));
    await plane?.close();
    plane = undefined;
    await dir.cleanup();
  });

  it('refuses a secret that is not the registered key with UNAUTHENTICATED and stores nothing', async () => {
    plane = await startPlane(join(dir.path, 'cp'));
    const { clientId } = await newClient(plane);
    const { privateKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
    const forged =
      'secret-token:baton-entra:v1:' +
      Buffer.from(JSON.stringify(await exportJWK(privateKey))).toString('base64url');
    const agent = newAgent(
      agentSettings(plane.address, { clientId, clientSecret: forged }, join(dir.path, 'agent')),
    );
    await assert.rejects(agent.start(idleHandler, helloInfo), /UNAUTHENTICATED/);
    assert.deepEqual(listHosts(plane.store), []);
  });

  it('never writes the client secret or a bearer token to the logs', async () => {
    const lines: string[] = [];
    const logger = createLogger({
      level: 'trace',
      destination: { write: (l: string) => void lines.push(l) },
    });
    plane = await startPlane(join(dir.path, 'cp'), { logger });
    const creds = await newClient(plane);
    const agent = newAgent(agentSettings(plane.address, creds, join(dir.path, 'agent'), { logger }));
    agents.push(agent);
    await agent.start(idleHandler, helloInfo);
    const snap = await makeSnapshot(dir.path, 'sync-logs', 10_000);
    await agent.submitSnapshot(snap.path, snap.header);
    await waitFor(() => agent.status().lastUploadAt, 'the upload');
    const forged = newAgent(
      agentSettings(
        plane.address,
        { clientId: creds.clientId, clientSecret: creds.clientSecret.slice(0, -4) + 'AAAA' },
        join(dir.path, 'forged'),
        { logger },
      ),
    );
    await forged.start(idleHandler, helloInfo).catch(() => undefined);
    const all = lines.join('\n');
    assert.ok(lines.length > 3, 'something was logged');
    const key = creds.clientSecret.slice('secret-token:baton-entra:v1:'.length);
    assert.equal(all.includes(key), false, 'the secret');
    assert.equal(all.includes(key.slice(0, 24)), false, 'part of the secret');
    assert.equal(/eyJ[\w-]{10,}\.eyJ/.test(all), false, 'a JWT');
  });

  it('refuses calls without a token, and a token for an unknown client', async () => {
    plane = await startPlane(join(dir.path, 'cp'));
    const client = new ControlPlaneServiceClient(plane.address, credentials.createInsecure());
    try {
      const hello = (md: Metadata) =>
        new Promise<HelloResponse>((resolve, reject) =>
          client.hello(
            { hostId: 'h', version: '1', capabilities: [], connectionStatus: 0, tenantId: '' },
            md,
            (e, r) => (e ? reject(e) : resolve(r)),
          ),
        );
      await assert.rejects(hello(new Metadata()), (e: ServiceError) => e.code === status.UNAUTHENTICATED);
      const md = new Metadata();
      md.set('authorization', 'Bearer eyJhbGciOiJFZERTQSJ9.eyJpc3MiOiJub2JvZHkifQ.c2ln');
      await assert.rejects(hello(md), (e: ServiceError) => e.code === status.UNAUTHENTICATED);
    } finally {
      client.close();
    }
  });

  it('rejects a malformed client secret before connecting, naming the variable', async () => {
    const agent = newAgent(
      agentSettings(
        '127.0.0.1:1',
        { clientId: 'x', clientSecret: 'hunter2-not-a-secret' },
        join(dir.path, 'agent'),
      ),
    );
    await assert.rejects(agent.start(idleHandler, helloInfo), /BATON_CLIENT_SECRET/);
  });

  it('works over TLS, verifying the server against the CA', async () => {
    const pki = await makePki();
    plane = await startPlane(join(dir.path, 'cp'), {
      tls: { certPem: pki.server.certPem, keyPem: pki.server.keyPem },
    });
    const creds = await newClient(plane);
    const agent = newAgent(
      agentSettings(plane.address, creds, join(dir.path, 'agent'), {
        tls: { mode: 'tls', caPem: pki.ca.certPem, serverName: 'localhost' },
      }),
    );
    agents.push(agent);
    await agent.start(idleHandler, helloInfo);
    await waitFor(() => listHosts(plane!.store).length === 1, 'the hello over TLS');
    assert.equal(agent.status().connected, true);
  });

  it('requires a client certificate with mTLS', async () => {
    const pki = await makePki();
    plane = await startPlane(join(dir.path, 'cp'), {
      tls: { certPem: pki.server.certPem, keyPem: pki.server.keyPem, clientCaPem: pki.ca.certPem },
    });
    const creds = await newClient(plane);
    const without = newAgent(
      agentSettings(plane.address, creds, join(dir.path, 'a1'), {
        hostId: 'no-cert',
        tls: { mode: 'tls', caPem: pki.ca.certPem, serverName: 'localhost' },
      }),
    );
    agents.push(without);
    await without.start(idleHandler, helloInfo);
    assert.equal(without.status().connected, false, 'the handshake fails without a client certificate');
    assert.ok(without.status().lastError);
    const withCert = newAgent(
      agentSettings(plane.address, creds, join(dir.path, 'a2'), {
        hostId: 'with-cert',
        tls: {
          mode: 'tls',
          caPem: pki.ca.certPem,
          serverName: 'localhost',
          certPem: pki.client.certPem,
          keyPem: pki.client.keyPem,
        },
      }),
    );
    agents.push(withCert);
    await withCert.start(idleHandler, helloInfo);
    assert.equal(withCert.status().connected, true);
    assert.deepEqual(
      listHosts(plane.store).map((h) => h.hostId),
      ['with-cert'],
    );
  });

  it('refuses plaintext on a non-loopback address unless told to', async () => {
    await assert.rejects(startPlane(join(dir.path, 'cp'), { listen: '0.0.0.0:0' }), /refusing plaintext/);
  });
});
