import { randomUUID } from 'node:crypto';
import { json, type SimResponse } from '../http/message.js';

/**
 * An error of the identity platform's token endpoint, in Entra's shape:
 * `{"error","error_description":"AADSTSnnnn: …","error_codes":[nnnn],"timestamp","trace_id","correlation_id"}`.
 * https://learn.microsoft.com/entra/identity-platform/reference-error-codes
 */
export class AadstsError extends Error {
  constructor(
    readonly status: number,
    readonly error: string,
    readonly code: number,
    readonly description: string,
  ) {
    super(`AADSTS${code}: ${description}`);
    this.name = 'AadstsError';
  }
}

export function aadstsResponse(err: AadstsError, now: number, correlationId: string): SimResponse {
  const traceId = randomUUID();
  const timestamp = new Date(now)
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d{3}Z$/, 'Z');
  return json(
    err.status,
    {
      error: err.error,
      error_description: `AADSTS${err.code}: ${err.description} Trace ID: ${traceId} Correlation ID: ${correlationId} Timestamp: ${timestamp}`,
      error_codes: [err.code],
      timestamp,
      trace_id: traceId,
      correlation_id: correlationId,
      error_uri: `https://login.microsoftonline.com/error?code=${err.code}`,
    },
    { 'cache-control': 'no-store, no-cache', pragma: 'no-cache' },
  );
}

export const aadsts = {
  tenantNotFound: (tenant: string) =>
    new AadstsError(
      400,
      'invalid_request',
      90002,
      `Tenant '${tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.`,
    ),
  clientNotFound: (clientId: string, tenant: string) =>
    new AadstsError(
      400,
      'unauthorized_client',
      700016,
      `Application with identifier '${clientId}' was not found in the directory '${tenant}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.`,
    ),
  invalidSecret: (clientId: string) =>
    new AadstsError(
      401,
      'invalid_client',
      7000215,
      `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${clientId}'.`,
    ),
  expiredSecret: (clientId: string) =>
    new AadstsError(
      401,
      'invalid_client',
      7000222,
      `The provided client secret keys for app '${clientId}' are expired. Visit the Azure portal to create new keys for your app: https://aka.ms/NewClientSecret, or consider using certificate credentials for added security: https://aka.ms/certCreds.`,
    ),
  missingCredential: () =>
    new AadstsError(
      401,
      'invalid_client',
      7000218,
      "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
    ),
  badAssertionSignature: (detail: string) =>
    new AadstsError(401, 'invalid_client', 700027, `Client assertion failed signature validation. ${detail}`),
  assertionTime: () =>
    new AadstsError(400, 'invalid_client', 700024, 'Client assertion is not within its valid time range.'),
  assertionAudience: (aud: string) =>
    new AadstsError(
      400,
      'invalid_client',
      700038,
      `${aud} is not a valid audience for the client assertion; it must be the token endpoint URL.`,
    ),
  malformedJwt: (detail: string) =>
    new AadstsError(400, 'invalid_request', 50027, `JWT token is invalid or malformed. ${detail}`),
  noFederatedMatch: (issuer: string, subject: string) =>
    new AadstsError(
      400,
      'invalid_client',
      70021,
      `No matching federated identity record found for presented assertion. Assertion Issuer: '${issuer}'. Assertion Subject: '${subject}'.`,
    ),
  invalidScope: (scope: string) =>
    new AadstsError(
      400,
      'invalid_scope',
      70011,
      `The provided request must include a 'scope' input parameter. The provided value for the input parameter 'scope' is not valid. The scope ${scope} is not valid.`,
    ),
  unsupportedGrant: (grant: string) =>
    new AadstsError(
      400,
      'unsupported_grant_type',
      70003,
      `The app requested an unsupported grant type '${grant}'.`,
    ),
  missingParameter: (name: string) =>
    new AadstsError(
      400,
      'invalid_request',
      900144,
      `The request body must contain the following parameter: '${name}'.`,
    ),
  mfaRequired: (resource: string) =>
    new AadstsError(
      400,
      'invalid_grant',
      50076,
      `Due to a configuration change made by your administrator, or because you moved to a new location, you must use multi-factor authentication to access '${resource}'.`,
    ),
  userDisabled: () => new AadstsError(400, 'invalid_grant', 50057, 'The user account is disabled.'),
  badPassword: () =>
    new AadstsError(
      400,
      'invalid_grant',
      50126,
      'Error validating credentials due to invalid username or password.',
    ),
};
