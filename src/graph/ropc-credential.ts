import { fetch } from 'undici';
import type { AccessToken, GetTokenOptions, TokenCredential } from '@azure/identity';
import type { ConnectorConfig, EntraAuth } from '../config/types.js';
import { createDispatcher } from './dispatcher.js';

type PasswordAuth = Extract<EntraAuth, { mode: 'password' }>;

/** Refresh a cached token this long before it expires. */
const REFRESH_MARGIN_MS = 5 * 60_000;

interface TokenErrorBody {
  error?: string;
  error_description?: string;
  error_codes?: number[];
}

/** Mirrors @azure/identity's AuthenticationError shape so classification treats both alike. */
export class TokenEndpointError extends Error {
  constructor(
    readonly statusCode: number,
    readonly errorResponse: { error?: string; errorDescription?: string; errorCodes?: number[] },
  ) {
    super(`token endpoint answered ${statusCode}: ${errorResponse.error ?? 'error'}`);
    this.name = 'AuthenticationError';
  }
}

/** The token endpoint could not be reached, or its answer could not be read: worth asking again. */
export class TokenTransportError extends Error {
  constructor(what: string, cause?: unknown) {
    super(`token endpoint: ${what}`, cause === undefined ? undefined : { cause });
    this.name = 'TokenTransportError';
  }
}

/**
 * Resource-owner password credentials for a confidential client (username + password + client
 * secret), which @azure/identity does not offer. Tokens are cached per scope.
 * https://learn.microsoft.com/en-us/entra/identity-platform/v2-oauth-ropc
 */
export class ConfidentialPasswordCredential implements TokenCredential {
  private readonly cache = new Map<string, AccessToken>();
  private readonly dispatcher;

  constructor(
    private readonly config: ConnectorConfig,
    private readonly auth: PasswordAuth,
    private readonly now: () => number = Date.now,
  ) {
    this.dispatcher = createDispatcher(config);
  }

  async getToken(scopes: string | string[], options?: GetTokenOptions): Promise<AccessToken> {
    const scope = Array.isArray(scopes) ? scopes.join(' ') : scopes;
    const cached = this.cache.get(scope);
    if (cached && cached.expiresOnTimestamp - REFRESH_MARGIN_MS > this.now()) return cached;
    const form = new URLSearchParams({
      grant_type: 'password',
      client_id: this.auth.clientId,
      client_secret: this.auth.clientSecret ?? '',
      username: this.auth.username,
      password: this.auth.password,
      scope,
    });
    const signal = options?.abortSignal as AbortSignal | undefined;
    let res: Awaited<ReturnType<typeof fetch>>;
    let text: string;
    try {
      res = await fetch(
        `${this.config.authorityHost}/${encodeURIComponent(this.auth.tenantId)}/oauth2/v2.0/token`,
        {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
          body: form.toString(),
          dispatcher: this.dispatcher,
          ...(signal ? { signal } : {}),
        },
      );
      text = await res.text();
    } catch (err) {
      if (signal?.aborted) throw err;
      throw new TokenTransportError('no complete answer', err);
    }
    let body: TokenErrorBody & { access_token?: string; expires_in?: number } = {};
    try {
      body = JSON.parse(text) as typeof body;
    } catch (err) {
      // An unreadable success is a broken answer; an unreadable failure is still a refusal.
      if (res.ok) throw new TokenTransportError(`unparsable answer (status ${res.status})`, err);
    }
    if (res.ok && typeof body.access_token !== 'string')
      throw new TokenTransportError(`answer without an access_token (status ${res.status})`);
    if (!res.ok || typeof body.access_token !== 'string') {
      throw new TokenEndpointError(res.status, {
        ...(body.error !== undefined ? { error: body.error } : {}),
        ...(body.error_description !== undefined ? { errorDescription: body.error_description } : {}),
        ...(body.error_codes !== undefined ? { errorCodes: body.error_codes } : {}),
      });
    }
    const token = {
      token: body.access_token,
      expiresOnTimestamp: this.now() + (body.expires_in ?? 3599) * 1000,
    };
    this.cache.set(scope, token);
    return token;
  }
}
