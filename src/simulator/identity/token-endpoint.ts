import { randomUUID } from 'node:crypto';
import type { SimContext } from '../context.js';
import { EXCHANGE_APP_ID, EXCHANGE_RESOURCE, GRAPH_APP_ID, GRAPH_RESOURCE } from '../context.js';
import { json, type SimRequest, type SimResponse } from '../http/message.js';
import type { ClientRegistration } from '../tenant/model.js';
import { aadsts, AadstsError, aadstsResponse } from './aadsts.js';
import { authenticateClient } from './client-auth.js';

/** Access tokens live 3599 s, as Entra's client-credential responses say (`expires_in`). */
export const TOKEN_LIFETIME_S = 3599;

interface Resource {
  aud: string;
  appId: string;
  roles: (c: ClientRegistration) => string[];
}

/** Whether `tenant` (an id, a verified domain, or a multi-tenant alias) names the simulated tenant. */
export function resolveTenant(ctx: SimContext, tenant: string, allowAliases: boolean): boolean {
  const t = tenant.toLowerCase();
  if (t === ctx.store.tenantId.toLowerCase() || t === ctx.store.initialDomain.toLowerCase()) return true;
  if (ctx.store.organization.verifiedDomains.some((d) => d.name.toLowerCase() === t)) return true;
  return allowAliases && (t === 'organizations' || t === 'common');
}

/**
 * `POST /{tenant}/oauth2/v2.0/token`: client credentials (secret, certificate or federated
 * assertion) and the resource-owner password grant.
 * https://learn.microsoft.com/entra/identity-platform/v2-oauth2-client-creds-grant-flow
 * https://learn.microsoft.com/entra/identity-platform/v2-oauth-ropc
 */
export async function handleTokenRequest(
  ctx: SimContext,
  req: SimRequest,
  tenant: string,
): Promise<SimResponse> {
  const correlationId = req.headers['client-request-id'] ?? randomUUID();
  try {
    return await issue(ctx, req, tenant);
  } catch (err) {
    if (err instanceof AadstsError) return aadstsResponse(err, ctx.clock.now(), correlationId);
    throw err;
  }
}

async function issue(ctx: SimContext, req: SimRequest, tenant: string): Promise<SimResponse> {
  const form = new URLSearchParams(req.body.toString('utf8'));
  const basic = parseBasic(req.headers.authorization);
  const grant = form.get('grant_type') ?? '';
  if (grant !== 'client_credentials' && grant !== 'password') {
    throw grant === '' ? aadsts.missingParameter('grant_type') : aadsts.unsupportedGrant(grant);
  }
  if (!resolveTenant(ctx, tenant, grant === 'password')) throw aadsts.tenantNotFound(tenant);
  const clientId = form.get('client_id') ?? basic?.id ?? '';
  if (clientId === '') throw aadsts.missingParameter('client_id');
  const client = ctx.store.clients.get(clientId);
  if (!client) throw aadsts.clientNotFound(clientId, tenant);
  const resource = parseScope(ctx, form.get('scope') ?? '', grant === 'client_credentials');
  const now = ctx.clock.now();
  const tokenUrls = [`${ctx.origin}${req.path}`, `https://${req.headers.host ?? ctx.graphDomain}${req.path}`];
  await authenticateClient(client, {
    clientSecret: form.get('client_secret') ?? basic?.secret,
    assertionType: form.get('client_assertion_type') ?? undefined,
    assertion: form.get('client_assertion') ?? undefined,
    tokenUrls,
    nowMs: now,
  });
  if (grant === 'client_credentials') return appToken(ctx, client, resource, now);
  return userToken(ctx, client, resource, form, now);
}

function parseBasic(header: string | undefined): { id: string; secret: string } | undefined {
  if (!header?.toLowerCase().startsWith('basic ')) return undefined;
  const raw = Buffer.from(header.slice(6).trim(), 'base64').toString('utf8');
  const colon = raw.indexOf(':');
  if (colon < 0) return undefined;
  return { id: decodeURIComponent(raw.slice(0, colon)), secret: decodeURIComponent(raw.slice(colon + 1)) };
}

/**
 * One resource per request: `<resource>/.default` (client credentials must use `.default`), plus
 * the OIDC scopes. Graph is accepted under its public name and under the simulator's host.
 */
function parseScope(ctx: SimContext, scope: string, requireDefault: boolean): Resource {
  const parts = scope
    .split(/\s+/)
    .filter((s) => s && !['openid', 'profile', 'offline_access', 'email'].includes(s));
  if (parts.length !== 1) throw aadsts.invalidScope(scope || '(none)');
  const s = parts[0] as string;
  const m = /^(.*?)\/?([^/]*)$/.exec(s);
  const isDefault = s.endsWith('/.default');
  if (requireDefault && !isDefault) throw aadsts.invalidScope(s);
  const base = isDefault ? s.slice(0, -'/.default'.length) : (m?.[1] ?? s);
  const graphNames = [
    GRAPH_RESOURCE,
    `https://${ctx.graphDomain}`,
    GRAPH_APP_ID,
    `https://graph.microsoft.com/`,
  ];
  if (graphNames.includes(base))
    return { aud: GRAPH_RESOURCE, appId: GRAPH_APP_ID, roles: (c) => c.graphRoles };
  if (base === EXCHANGE_RESOURCE || base === EXCHANGE_APP_ID)
    return { aud: EXCHANGE_RESOURCE, appId: EXCHANGE_APP_ID, roles: (c) => c.exchangeRoles };
  throw aadsts.invalidScope(s);
}

function servicePrincipalIdOf(ctx: SimContext, appId: string): string {
  for (const sp of ctx.store.servicePrincipals.values()) if (sp.appId === appId) return sp.id;
  return appId;
}

function baseClaims(ctx: SimContext, client: ClientRegistration, resource: Resource, now: number) {
  const iat = Math.floor(now / 1000);
  return {
    aud: resource.aud,
    iss: `https://sts.windows.net/${ctx.store.tenantId}/`,
    iat,
    nbf: iat,
    exp: iat + TOKEN_LIFETIME_S,
    appid: client.clientId,
    appidacr: '1',
    tid: ctx.store.tenantId,
    uti: randomUUID(),
    ver: '1.0',
  };
}

async function appToken(
  ctx: SimContext,
  client: ClientRegistration,
  resource: Resource,
  now: number,
): Promise<SimResponse> {
  const oid = servicePrincipalIdOf(ctx, client.clientId);
  const claims = {
    ...baseClaims(ctx, client, resource, now),
    oid,
    sub: oid,
    idtyp: 'app',
    roles: [...resource.roles(client)],
  };
  const accessToken = await ctx.signingKey.sign(claims);
  return json(
    200,
    {
      token_type: 'Bearer',
      expires_in: TOKEN_LIFETIME_S,
      ext_expires_in: TOKEN_LIFETIME_S,
      access_token: accessToken,
    },
    { 'cache-control': 'no-store, no-cache' },
  );
}

/** ROPC: the user's password is checked; MFA users are refused as Entra refuses them (AADSTS50076). */
async function userToken(
  ctx: SimContext,
  client: ClientRegistration,
  resource: Resource,
  form: URLSearchParams,
  now: number,
): Promise<SimResponse> {
  const username = form.get('username') ?? '';
  const password = form.get('password') ?? '';
  if (username === '') throw aadsts.missingParameter('username');
  const user = [...ctx.store.users.values()].find(
    (u) => u.userPrincipalName.toLowerCase() === username.toLowerCase(),
  );
  const creds = user ? ctx.store.userCredentials.get(user.id) : undefined;
  if (!user || !creds || creds.password !== password) throw aadsts.badPassword();
  if (!user.accountEnabled) throw aadsts.userDisabled();
  if (creds.mfaRequired) throw aadsts.mfaRequired(resource.appId);
  const base = baseClaims(ctx, client, resource, now);
  const scp = resource.roles(client).join(' ');
  const accessToken = await ctx.signingKey.sign({
    ...base,
    oid: user.id,
    sub: user.id,
    upn: user.userPrincipalName,
    name: user.displayName,
    scp,
    idtyp: 'user',
  });
  // MSAL parses id_token and client_info to build its account; both must be well-formed.
  const idToken = await ctx.signingKey.sign({
    aud: client.clientId,
    iss: `${ctx.origin}/${ctx.store.tenantId}/v2.0`,
    iat: base.iat,
    nbf: base.nbf,
    exp: base.exp,
    oid: user.id,
    sub: user.id,
    tid: ctx.store.tenantId,
    preferred_username: user.userPrincipalName,
    name: user.displayName,
    ver: '2.0',
  });
  const clientInfo = Buffer.from(JSON.stringify({ uid: user.id, utid: ctx.store.tenantId })).toString(
    'base64url',
  );
  return json(
    200,
    {
      token_type: 'Bearer',
      scope: `${resource.aud}/.default`,
      expires_in: TOKEN_LIFETIME_S,
      ext_expires_in: TOKEN_LIFETIME_S,
      access_token: accessToken,
      id_token: idToken,
      client_info: clientInfo,
    },
    { 'cache-control': 'no-store, no-cache' },
  );
}
