import type { EntraCloud } from './types.js';

export interface CloudEndpoints {
  authorityHost: string;
  graphDomain: string;
  exchangeBaseUrl: string;
}

/**
 * National cloud endpoints. The token scope host must match the cloud's Graph host.
 * https://learn.microsoft.com/en-us/graph/deployments#microsoft-graph-and-graph-explorer-service-root-endpoints
 * Exchange hosts: https://learn.microsoft.com/en-us/powershell/module/exchange/connect-exchangeonline (ExchangeEnvironmentName)
 */
export const CLOUD_PRESETS: Record<Exclude<EntraCloud, 'custom'>, CloudEndpoints> = {
  public: {
    authorityHost: 'https://login.microsoftonline.com',
    graphDomain: 'graph.microsoft.com',
    exchangeBaseUrl: 'https://outlook.office365.com',
  },
  usgov: {
    authorityHost: 'https://login.microsoftonline.us',
    graphDomain: 'graph.microsoft.us',
    exchangeBaseUrl: 'https://outlook.office365.us',
  },
  'usgov-dod': {
    authorityHost: 'https://login.microsoftonline.us',
    graphDomain: 'dod-graph.microsoft.us',
    exchangeBaseUrl: 'https://webmail.apps.mil',
  },
  china: {
    authorityHost: 'https://login.chinacloudapi.cn',
    graphDomain: 'microsoftgraph.chinacloudapi.cn',
    exchangeBaseUrl: 'https://partner.outlook.cn',
  },
};

export const CLOUD_NAMES = [
  'public',
  'usgov',
  'usgov-dod',
  'china',
  'custom',
] as const satisfies readonly EntraCloud[];

const MICROSOFT_AUTHORITIES = new Set([
  ...Object.values(CLOUD_PRESETS).map((c) => new URL(c.authorityHost).host),
  'login.microsoft.com',
  'login.windows.net',
]);

/**
 * True when the authority is one Microsoft operates, so MSAL's instance discovery can be left on.
 * Any other host (a simulator, an air-gapped proxy) needs `disableInstanceDiscovery`.
 */
export function isMicrosoftAuthority(authorityHost: string): boolean {
  return MICROSOFT_AUTHORITIES.has(new URL(authorityHost).host);
}
