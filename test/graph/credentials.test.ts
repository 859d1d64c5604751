import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rsaCertificate } from '../support/app-certificate.js';
import { createGraphClient } from '../../src/graph/client.js';
import { createCredential, exchangeScope, graphScope } from '../../src/graph/credentials.js';
import { ScriptedServer, type SeenRequest } from '../support/scripted-graph.js';
import { testTls } from '../support/test-tls.js';
import { authorityExpectations, configFor, TENANT, CLIENT } from './helpers.js';

const form = (r: SeenRequest): URLSearchParams => new URLSearchParams(r.body);
const jwtPart = (jwt: string, i: number): Record<string, unknown> =>
  JSON.parse(Buffer.from(jwt.split('.')[i]!, 'base64url').toString()) as Record<string, unknown>;

describe('credentials', () => {
  let server: ScriptedServer;
  beforeEach(async () => {
    await testTls();
    server = await ScriptedServer.start();
  });
  afterEach(() => server.close());

  it('derives Graph and Exchange scopes from the configured hosts', () => {
    const c = configFor(server);
    assert.equal(graphScope(c), `https://${server.host}/.default`);
    assert.equal(
      exchangeScope({ exchangeBaseUrl: 'https://outlook.office365.us' }),
      'https://outlook.office365.us/.default',
    );
    assert.equal(
      graphScope({ graphDomain: 'microsoftgraph.chinacloudapi.cn' }),
      'https://microsoftgraph.chinacloudapi.cn/.default',
    );
  });

  it('client secret: token from the configured authority, then Graph with that bearer', async () => {
    const config = configFor(server);
    server.expect(
      ...authorityExpectations(TENANT, (r) => {
        const f = form(r);
        assert.equal(f.get('grant_type'), 'client_credentials');
        assert.equal(f.get('client_id'), CLIENT);
        assert.equal(f.get('client_secret'), 'test-client-secret');
        assert.equal(f.get('scope'), `https://${server.host}/.default`);
      }),
      { method: 'GET', url: '/v1.0/organization', body: { value: [{ id: TENANT }] } },
    );
    const client = createGraphClient(config);
    await client.get('/organization');
    await client.close();
    assert.equal(server.seen.at(-1)!.headers.authorization, 'Bearer issued-token');
    server.assertDone();
  });

  it('certificate: signs a client assertion for the token endpoint', async () => {
    const { certPem, keyPem } = await rsaCertificate();
    const config = configFor(server, {
      BATON_ENTRA_CLIENT_SECRET: '',
      BATON_ENTRA_CERTIFICATE: certPem,
      BATON_ENTRA_CERTIFICATE_KEY: keyPem,
    });
    assert.equal(config.auth.mode, 'certificate');
    server.expect(
      ...authorityExpectations(TENANT, (r) => {
        const f = form(r);
        assert.equal(
          f.get('client_assertion_type'),
          'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
        );
        const assertion = f.get('client_assertion')!;
        const header = jwtPart(assertion, 0);
        assert.ok(header['x5t#S256'] ?? header['x5t'], JSON.stringify(header));
        const claims = jwtPart(assertion, 1);
        assert.equal(claims['iss'], CLIENT);
        assert.equal(claims['aud'], `${server.origin}/${TENANT}/oauth2/v2.0/token`);
        assert.equal(f.get('client_secret'), null);
      }),
    );
    const token = await createCredential(config).getToken(`https://${server.host}/.default`);
    assert.equal(token?.token, 'issued-token');
    server.assertDone();
  });

  it('workload identity: sends the federated token file as the assertion', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'baton-wi-'));
    writeFileSync(join(dir, 'token'), 'federated.jwt.value');
    const config = configFor(server, {
      BATON_ENTRA_CLIENT_SECRET: '',
      AZURE_FEDERATED_TOKEN_FILE: join(dir, 'token'),
    });
    server.expect(
      ...authorityExpectations(TENANT, (r) => {
        assert.equal(form(r).get('client_assertion'), 'federated.jwt.value');
      }),
    );
    const token = await createCredential(config).getToken(`https://${server.host}/.default`);
    assert.equal(token?.token, 'issued-token');
    server.assertDone();
  });

  it('password with a client secret: ROPC as a confidential client', async () => {
    const config = configFor(server, {
      BATON_ENTRA_USERNAME: 'svc@contoso.com',
      BATON_ENTRA_PASSWORD: 'ropc-password-1',
    });
    server.expect({
      method: 'POST',
      url: `/${TENANT}/oauth2/v2.0/token`,
      bodyFn: (r) => {
        const f = form(r);
        assert.equal(f.get('grant_type'), 'password');
        assert.equal(f.get('username'), 'svc@contoso.com');
        assert.equal(f.get('password'), 'ropc-password-1');
        assert.equal(f.get('client_secret'), 'test-client-secret');
        return { token_type: 'Bearer', expires_in: 3599, access_token: 'ropc-token' };
      },
    });
    const credential = createCredential(config);
    assert.equal((await credential.getToken('https://x/.default'))?.token, 'ropc-token');
    // Cached: no second token request.
    assert.equal((await credential.getToken('https://x/.default'))?.token, 'ropc-token');
    server.assertDone();
  });

  it('a refused token request surfaces as unauthenticated with the AADSTS code', async () => {
    const config = configFor(server);
    server.expect(authorityExpectations(TENANT, () => undefined)[0]!, {
      method: 'POST',
      url: new RegExp(`^/${TENANT}/oauth2/v2\\.0/token`),
      status: 401,
      body: {
        error: 'invalid_client',
        error_description: 'AADSTS7000215: Invalid client secret provided.',
        error_codes: [7000215],
      },
    });
    const client = createGraphClient(config, { maxAttempts: 1 });
    await assert.rejects(
      client.get('/users'),
      (e: Error & { kind?: string; details?: { code?: string } }) => {
        assert.equal(e.kind, 'unauthenticated', e.message);
        assert.equal(e.details?.code, 'AADSTS7000215');
        assert.ok(!e.message.includes('test-client-secret'));
        return true;
      },
    );
    await client.close();
  });
});
