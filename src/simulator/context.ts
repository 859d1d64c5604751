import type { SimClock } from './clock.js';
import type { SigningKey } from './identity/signing-key.js';
import type { SimState } from './state.js';
import type { TenantStore } from './tenant/store-api.js';

/** What every handler of the simulator shares: the tenant, the clock, the signing key and the side state. */
export interface SimContext {
  store: TenantStore;
  clock: SimClock;
  signingKey: SigningKey;
  /** `https://localhost:<port>`. */
  origin: string;
  /** `localhost:<port>`. */
  graphDomain: string;
  /** State beside the tenant: recorded calls, PIM requests, authentication methods. */
  state: SimState;
}

/** Resource (audience) of Microsoft Graph tokens. */
export const GRAPH_RESOURCE = 'https://graph.microsoft.com';
export const GRAPH_APP_ID = '00000003-0000-0000-c000-000000000000';
/** Resource of Exchange Online (Office 365 Exchange Online) tokens. */
export const EXCHANGE_RESOURCE = 'https://outlook.office365.com';
export const EXCHANGE_APP_ID = '00000002-0000-0ff1-ce00-000000000000';
