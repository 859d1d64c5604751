import assert from 'node:assert/strict';
import { createPrivateKey, randomUUID } from 'node:crypto';
import {
  ClientAssertionCredential,
  ClientCertificateCredential,
  ClientSecretCredential,
  UsernamePasswordCredential,
} from '@azure/identity';
import { exportJWK, generateKeyPair, SignJWT, decodeJwt } from 'jose';
import { clientCertificate, type ClientCert } from './support/certs.js';
import { CLIENT_ID, CLIENT_SECRET, TENANT_ID } from './support/fixture-data.js';
import { graphClient, raw, startFixtureSim, type FixtureSim } from './support/sim.js';

const GRAPH = 'https://graph.microsoft.com/.default';
const opts = (f: FixtureSim) => ({ authorityHost: f.sim.authorityHost, disableInstanceDiscovery: true });

async function tokenForm(
  f: FixtureSim,
  form: Record<string, string>,
  tenant = TENANT_ID,
  headers: Record<string, string> = {},
) {
  return raw(f.sim, `/${tenant}/oauth2/v2.0/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(form).toString(),
  });
}

describe('simulator identity platform', () => {
  let f: FixtureSim;
  let cert: ClientCert;
  before(async () => {
    f = await startFixtureSim({ users: 10, groups: 2 });
    cert = await clientCertificate();
    f.tenant.updateClient(CLIENT_ID, {
      certificates: [{ keyId: randomUUID(), pem: cert.certPem, endDateTime: '2999-01-01T00:00:00Z' }],
    });
  });
  after(() => f.sim.close());

  it('client secret: a Graph token with aud, tid, appid, roles and expires_in 3599', async () => {
    const t = await new ClientSecretCredential(TENANT_ID, CLIENT_ID, CLIENT_SECRET, opts(f)).getToken(GRAPH);
    const c = decodeJwt(t.token);
    assert.equal(c.aud, 'https://graph.microsoft.com');
    assert.equal(c.tid, TENANT_ID);
    assert.equal(c.appid, CLIENT_ID);
    assert.ok((c.roles as string[]).includes('User.Read.All'));
    assert.equal((c.exp as number) - (c.iat as number), 3599);
    const r = await tokenForm(
      f,
      { grant_type: 'client_credentials', scope: `https://${f.sim.graphDomain}/.default` },
      TENANT_ID,
      {
        authorization: `Basic ${Buffer.from(`${CLIENT_ID}:${encodeURIComponent(CLIENT_SECRET)}`).toString('base64')}`,
      },
    );
    assert.equal(r.status, 200);
    assert.equal(r.body.expires_in, 3599);
    assert.equal(r.body.token_type, 'Bearer');
  });

  it('client certificate: ClientCertificateCredential works unchanged', async () => {
    const t = await new ClientCertificateCredential(
      TENANT_ID,
      CLIENT_ID,
      { certificate: cert.combinedPem },
      opts(f),
    ).getToken(GRAPH);
    assert.equal(decodeJwt(t.token).appid, CLIENT_ID);
  });

  it('client certificate: RS256 + x5t and PS256 + x5t#S256 assertions; a wrong key is AADSTS700027', async () => {
    const key = createPrivateKey(cert.keyPem);
    const aud = `${f.sim.url}/${TENANT_ID}/oauth2/v2.0/token`;
    const sign = (alg: string, header: Record<string, string>, k = key) =>
      new SignJWT({ jti: randomUUID() })
        .setProtectedHeader({ alg, typ: 'JWT', ...header })
        .setIssuer(CLIENT_ID)
        .setSubject(CLIENT_ID)
        .setAudience(aud)
        .setIssuedAt()
        .setNotBefore('0s')
        .setExpirationTime('10m')
        .sign(k);
    const form = (assertion: string) => ({
      grant_type: 'client_credentials',
      client_id: CLIENT_ID,
      scope: GRAPH,
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      client_assertion: assertion,
    });
    assert.equal((await tokenForm(f, form(await sign('RS256', { x5t: cert.x5t })))).status, 200);
    assert.equal((await tokenForm(f, form(await sign('PS256', { 'x5t#S256': cert.x5tS256 })))).status, 200);
    const other = await clientCertificate('other');
    const forged = await tokenForm(
      f,
      form(await sign('RS256', { x5t: cert.x5t }, createPrivateKey(other.keyPem))),
    );
    assert.equal(forged.status, 401);
    assert.deepEqual(forged.body.error_codes, [700027]);
    const unknown = await tokenForm(
      f,
      form(await sign('RS256', { x5t: other.x5t }, createPrivateKey(other.keyPem))),
    );
    assert.deepEqual(unknown.body.error_codes, [700027]);
  });

  it('federated assertion: ClientAssertionCredential with a JWT from a registered issuer', async () => {
    const { privateKey, publicKey } = await generateKeyPair('RS256');
    const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'RS256' };
    const issuer = 'https://oidc.cluster.example/';
    const subject = 'system:serviceaccount:baton:baton-entra';
    f.tenant.updateClient(CLIENT_ID, {
      federatedCredentials: [
        { issuer, subject, audiences: ['api://AzureADTokenExchange'], jwks: { keys: [jwk] } },
      ],
    });
    const assertion = (sub = subject) =>
      new SignJWT({})
        .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
        .setIssuer(issuer)
        .setSubject(sub)
        .setAudience('api://AzureADTokenExchange')
        .setIssuedAt()
        .setExpirationTime('1h')
        .sign(privateKey);
    const t = await new ClientAssertionCredential(TENANT_ID, CLIENT_ID, () => assertion(), opts(f)).getToken(
      GRAPH,
    );
    assert.equal(decodeJwt(t.token).appid, CLIENT_ID);
    const wrongSubject = await tokenForm(f, {
      grant_type: 'client_credentials',
      client_id: CLIENT_ID,
      scope: GRAPH,
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      client_assertion: await assertion('system:serviceaccount:other:x'),
    });
    assert.deepEqual(wrongSubject.body.error_codes, [70021]);
  });

  it('password grant: UsernamePasswordCredential; MFA user AADSTS50076; wrong password AADSTS50126', async () => {
    const publicId = randomUUID();
    f.tenant.registerClient({
      clientId: publicId,
      displayName: 'cli',
      applicationObjectId: null,
      secrets: [],
      certificates: [],
      federatedCredentials: [],
      graphRoles: ['User.Read.All'],
      exchangeRoles: [],
      isPublicClient: true,
    });
    const user = f.tenant.users.get([...f.tenant.users.keys()][0] as string)!;
    // A confidential client without its secret is refused, as Entra refuses it (public client flows off).
    await assert.rejects(
      new UsernamePasswordCredential(
        TENANT_ID,
        CLIENT_ID,
        user.userPrincipalName,
        'Pass-0!',
        opts(f),
      ).getToken(GRAPH),
      /AADSTS7000218/,
    );
    const t = await new UsernamePasswordCredential(
      TENANT_ID,
      publicId,
      user.userPrincipalName,
      'Pass-0!',
      opts(f),
    ).getToken(GRAPH);
    assert.equal(decodeJwt(t.token).oid, user.id);
    const mfaUser = [...f.tenant.users.values()][1]!;
    const mfa = await tokenForm(f, {
      grant_type: 'password',
      client_id: CLIENT_ID,
      client_secret: CLIENT_SECRET,
      scope: GRAPH,
      username: mfaUser.userPrincipalName,
      password: 'Pass-1!',
    });
    assert.equal(mfa.body.error, 'invalid_grant');
    assert.deepEqual(mfa.body.error_codes, [50076]);
    const wrong = await tokenForm(f, {
      grant_type: 'password',
      client_id: CLIENT_ID,
      client_secret: CLIENT_SECRET,
      scope: GRAPH,
      username: user.userPrincipalName,
      password: 'nope',
    });
    assert.deepEqual(wrong.body.error_codes, [50126]);
    const disabled = [...f.tenant.users.values()].find((u) => !u.accountEnabled)!;
    const idx = Number(disabled.surname);
    const off = await tokenForm(f, {
      grant_type: 'password',
      client_id: publicId,
      scope: GRAPH,
      username: disabled.userPrincipalName,
      password: `Pass-${idx}!`,
    });
    assert.deepEqual(off.body.error_codes, [50057]);
  });

  it('errors in Entra shape: unknown tenant, unknown client, wrong secret, expired secret, bad scope', async () => {
    const base = {
      grant_type: 'client_credentials',
      client_id: CLIENT_ID,
      client_secret: CLIENT_SECRET,
      scope: GRAPH,
    };
    const tenant = await tokenForm(f, base, 'no-such-tenant.example');
    assert.equal(tenant.status, 400);
    assert.deepEqual(tenant.body.error_codes, [90002]);
    assert.match(tenant.body.error_description, /^AADSTS90002: /);
    assert.ok(tenant.body.trace_id && tenant.body.correlation_id && tenant.body.timestamp);
    assert.deepEqual((await tokenForm(f, { ...base, client_id: randomUUID() })).body.error_codes, [700016]);
    const secret = await tokenForm(f, { ...base, client_secret: 'wrong' });
    assert.equal(secret.status, 401);
    assert.deepEqual(secret.body.error_codes, [7000215]);
    assert.deepEqual(
      (await tokenForm(f, { ...base, scope: 'https://example.com/.default' })).body.error_codes,
      [70011],
    );
    f.tenant.updateClient(CLIENT_ID, {
      secrets: [
        { keyId: randomUUID(), value: 'old-secret-value', endDateTime: '2020-01-01T00:00:00Z' },
        ...f.tenant.clients.get(CLIENT_ID)!.secrets,
      ],
    });
    assert.deepEqual(
      (await tokenForm(f, { ...base, client_secret: 'old-secret-value' })).body.error_codes,
      [7000222],
    );
    await assert.rejects(
      new ClientSecretCredential(TENANT_ID, CLIENT_ID, 'wrong', opts(f)).getToken(GRAPH),
      /AADSTS7000215/,
    );
  });

  it('serves OIDC discovery, instance discovery and a JWKS', async () => {
    const oidc = await raw(f.sim, `/${TENANT_ID}/v2.0/.well-known/openid-configuration`);
    assert.equal(oidc.body.token_endpoint, `${f.sim.url}/${TENANT_ID}/oauth2/v2.0/token`);
    assert.ok(oidc.body.issuer && oidc.body.authorization_endpoint && oidc.body.jwks_uri);
    const keys = await raw(f.sim, new URL(oidc.body.jwks_uri).pathname);
    assert.equal(keys.body.keys[0].kty, 'RSA');
    const inst = await raw(
      f.sim,
      `/common/discovery/instance?api-version=1.1&authorization_endpoint=${encodeURIComponent(oidc.body.authorization_endpoint)}`,
    );
    assert.ok(inst.body.tenant_discovery_endpoint.endsWith('/v2.0/.well-known/openid-configuration'));
  });

  it('Exchange scope gives an outlook.office365.com token', async () => {
    const t = await new ClientSecretCredential(TENANT_ID, CLIENT_ID, CLIENT_SECRET, opts(f)).getToken(
      'https://outlook.office365.com/.default',
    );
    const c = decodeJwt(t.token);
    assert.equal(c.aud, 'https://outlook.office365.com');
    assert.deepEqual(c.roles, ['Exchange.ManageAsApp']);
  });

  it('Graph enforces the token: missing/garbled 401, expired 401, missing role 403', async () => {
    const noToken = await raw(f.sim, '/v1.0/users');
    assert.equal(noToken.status, 401);
    assert.equal(noToken.body.error.code, 'InvalidAuthenticationToken');
    assert.ok(noToken.headers.get('request-id'));
    assert.equal(noToken.body.error.innerError['request-id'], noToken.headers.get('request-id'));
    assert.equal((await raw(f.sim, '/v1.0/users', { token: 'x.y.z' })).status, 401);
    const { privateKey } = await generateKeyPair('RS256');
    const forged = await new SignJWT({
      aud: 'https://graph.microsoft.com',
      tid: TENANT_ID,
      appid: CLIENT_ID,
      roles: ['User.Read.All'],
    })
      .setProtectedHeader({ alg: 'RS256' })
      .setExpirationTime('1h')
      .sign(privateKey);
    const badSig = await raw(f.sim, '/v1.0/users', { token: forged });
    assert.equal(badSig.status, 401);
    assert.match(badSig.body.error.message, /Invalid signature/);
    const exoToken = (
      await new ClientSecretCredential(TENANT_ID, CLIENT_ID, CLIENT_SECRET, opts(f)).getToken(
        'https://outlook.office365.com/.default',
      )
    ).token;
    const wrongAud = await raw(f.sim, '/v1.0/users', { token: exoToken });
    assert.equal(wrongAud.status, 401);
    assert.match(wrongAud.body.error.message, /Invalid audience/);
    const cred = new ClientSecretCredential(TENANT_ID, CLIENT_ID, CLIENT_SECRET, opts(f));
    const tok = (await cred.getToken(GRAPH)).token;
    assert.equal((await raw(f.sim, '/v1.0/users', { token: tok })).status, 200);
    f.sim.advanceClock(3600_000);
    const expired = await raw(f.sim, '/v1.0/users', { token: tok });
    assert.equal(expired.status, 401);
    assert.match(expired.body.error.message, /expired/);
    const client = f.tenant.clients.get(CLIENT_ID)!;
    f.tenant.updateClient(CLIENT_ID, {
      graphRoles: client.graphRoles.filter((r) => !r.startsWith('User.') && !r.startsWith('Directory.')),
    });
    const fresh = new ClientSecretCredential(TENANT_ID, CLIENT_ID, CLIENT_SECRET, opts(f));
    await assert.rejects(
      graphClient(f.sim, fresh).api('/users').get(),
      (e: { statusCode: number; code: string }) =>
        e.statusCode === 403 && e.code === 'Authorization_RequestDenied',
    );
    f.tenant.updateClient(CLIENT_ID, { graphRoles: client.graphRoles });
  });
});
