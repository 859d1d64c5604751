import {
  ClientCertificateCredential,
  ClientSecretCredential,
  UsernamePasswordCredential,
  WorkloadIdentityCredential,
  type TokenCredential,
  type TokenCredentialOptions,
} from '@azure/identity';
import type { ConnectorConfig } from '../config/types.js';
import { CLOUD_PRESETS, isMicrosoftAuthority } from '../config/clouds.js';
import { ConfidentialPasswordCredential } from './ropc-credential.js';

/**
 * Graph token scope. National clouds need their own Graph host in the scope, and a custom domain
 * (a simulator on localhost:8443) is its own resource.
 * https://learn.microsoft.com/en-us/graph/sdks/national-clouds
 */
export function graphScope(config: Pick<ConnectorConfig, 'graphDomain'>): string {
  return `https://${config.graphDomain}/.default`;
}

/**
 * Exchange Online admin API scope (the app needs Exchange.ManageAsApp): the cloud's Exchange host.
 * Any other base URL (a proxy, a test endpoint) stands in for Exchange Online, whose resource is
 * still `https://outlook.office365.com` — the token is for the resource, not for the host it is sent to.
 */
export function exchangeScope(config: Pick<ConnectorConfig, 'exchangeBaseUrl'>): string {
  const base = config.exchangeBaseUrl.replace(/\/+$/, '');
  const known = Object.values(CLOUD_PRESETS).some((p) => p.exchangeBaseUrl === base);
  return `${known ? base : CLOUD_PRESETS.public.exchangeBaseUrl}/.default`;
}

/** Options every @azure/identity credential gets: our authority, our proxy, no instance discovery off-cloud. */
export function credentialOptions(
  config: ConnectorConfig,
): TokenCredentialOptions & { disableInstanceDiscovery?: boolean } {
  return {
    authorityHost: config.authorityHost,
    // MSAL validates unknown authorities against login.microsoftonline.com; a sovereign proxy or a
    // simulator has to skip that. https://learn.microsoft.com/en-us/javascript/api/@azure/identity/clientsecretcredentialoptions#@azure-identity-clientsecretcredentialoptions-disableinstancediscovery
    ...(isMicrosoftAuthority(config.authorityHost) ? {} : { disableInstanceDiscovery: true }),
    ...(config.httpsProxy !== undefined ? { proxyOptions: proxySettings(config.httpsProxy) } : {}),
  };
}

function proxySettings(proxyUrl: string): {
  host: string;
  port: number;
  username?: string;
  password?: string;
} {
  const url = new URL(proxyUrl);
  return {
    host: `${url.protocol}//${url.hostname}`,
    port: url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80,
    ...(url.username ? { username: decodeURIComponent(url.username) } : {}),
    ...(url.password ? { password: decodeURIComponent(url.password) } : {}),
  };
}

/** The token credential for the configured auth mode. */
export function createCredential(config: ConnectorConfig): TokenCredential {
  const auth = config.auth;
  const options = credentialOptions(config);
  switch (auth.mode) {
    case 'client_secret':
      return new ClientSecretCredential(auth.tenantId, auth.clientId, auth.clientSecret, options);
    case 'certificate':
      return new ClientCertificateCredential(
        auth.tenantId,
        auth.clientId,
        {
          certificate: `${auth.certificatePem.trim()}\n${auth.privateKeyPem.trim()}\n`,
          ...(auth.certificatePassword !== undefined
            ? { certificatePassword: auth.certificatePassword }
            : {}),
        },
        options,
      );
    case 'workload_identity':
      return new WorkloadIdentityCredential({
        ...options,
        tenantId: auth.tenantId,
        clientId: auth.clientId,
        tokenFilePath: auth.tokenFilePath,
      });
    case 'password':
      // @azure/identity only does ROPC as a public client; a confidential app must send its secret.
      // https://learn.microsoft.com/en-us/entra/identity-platform/v2-oauth-ropc#authorization-request
      if (auth.clientSecret !== undefined) return new ConfidentialPasswordCredential(config, auth);
      return new UsernamePasswordCredential(
        auth.tenantId,
        auth.clientId,
        auth.username,
        auth.password,
        options,
      );
  }
}
