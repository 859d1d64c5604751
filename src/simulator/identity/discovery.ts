import type { SimContext } from '../context.js';
import { json, type SimResponse } from '../http/message.js';
import { aadsts, aadstsResponse } from './aadsts.js';
import { resolveTenant } from './token-endpoint.js';

/**
 * OIDC discovery for `/{tenant}/v2.0/.well-known/openid-configuration`; MSAL needs
 * `authorization_endpoint`, `token_endpoint`, `issuer` and `jwks_uri`.
 * https://learn.microsoft.com/entra/identity-platform/v2-protocols-oidc#find-your-apps-openid-configuration-document-uri
 */
export function openidConfiguration(ctx: SimContext, tenant: string, correlationId: string): SimResponse {
  if (!resolveTenant(ctx, tenant, true))
    return aadstsResponse(aadsts.tenantNotFound(tenant), ctx.clock.now(), correlationId);
  const t = tenant === 'common' || tenant === 'organizations' ? '{tenantid}' : ctx.store.tenantId;
  const base = `${ctx.origin}/${tenant}`;
  return json(200, {
    token_endpoint: `${base}/oauth2/v2.0/token`,
    token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
    jwks_uri: `${ctx.origin}/${tenant}/discovery/v2.0/keys`,
    response_modes_supported: ['query', 'fragment', 'form_post'],
    subject_types_supported: ['pairwise'],
    id_token_signing_alg_values_supported: ['RS256'],
    response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
    scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
    issuer: `${ctx.origin}/${t}/v2.0`,
    request_uri_parameter_supported: false,
    userinfo_endpoint: `${ctx.origin}/oidc/userinfo`,
    authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
    device_authorization_endpoint: `${base}/oauth2/v2.0/devicecode`,
    http_logout_supported: true,
    frontchannel_logout_supported: true,
    end_session_endpoint: `${base}/oauth2/v2.0/logout`,
    claims_supported: ['sub', 'iss', 'aud', 'exp', 'iat', 'nbf', 'name', 'oid', 'tid', 'preferred_username'],
    tenant_region_scope: 'EU',
    cloud_instance_name: 'microsoftonline.com',
    cloud_graph_host_name: 'graph.windows.net',
    msgraph_host: ctx.graphDomain,
  });
}

/** The JWKS that verifies the simulator's access tokens. */
export function jwks(ctx: SimContext): SimResponse {
  return json(200, { keys: [ctx.signingKey.publicJwk] });
}

/**
 * MSAL's instance discovery (`/common/discovery/instance`), for clients that do not disable it.
 * https://learn.microsoft.com/entra/identity-platform/msal-national-cloud
 */
export function instanceDiscovery(ctx: SimContext, authorizationEndpoint: string | null): SimResponse {
  const host = new URL(ctx.origin).host;
  const tenantFromEndpoint = authorizationEndpoint
    ? new URL(authorizationEndpoint).pathname.split('/')[1]
    : 'common';
  return json(200, {
    tenant_discovery_endpoint: `${ctx.origin}/${tenantFromEndpoint ?? 'common'}/v2.0/.well-known/openid-configuration`,
    'api-version': '1.1',
    metadata: [{ preferred_network: host, preferred_cache: host, aliases: [host] }],
  });
}
