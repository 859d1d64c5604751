import type { JobActionCall, ProvisionOnDemandCall } from './state.js';
import type { PresetName, TenantSize } from './tenant/model.js';
import type { TenantStore } from './tenant/store-api.js';

/** Options of `startSimulator` (src/simulator/index.ts). */
export interface SimulatorOptions {
  preset?: PresetName;
  seed?: number;
  /** Overrides of preset counts. */
  size?: Partial<TenantSize>;
  /** 0 (default) = a free port. */
  port?: number;
  host?: string;
  /** Where the CA and server certificate are written; a fresh temp dir by default. */
  stateDir?: string;
  /** Injectable clock, ms since epoch (token expiry, delta-link expiry, audit times). */
  now?: () => number;
  /** Throttling on (default) or off. */
  throttling?: boolean;
  /**
   * The identity-and-access write quota per app per tenant; Graph's is 3,000 writes per 150 s
   * (https://learn.microsoft.com/graph/throttling-limits#identity-and-access-service-limits).
   * A test sets a small one to meet it in a few requests.
   */
  writeQuota?: WriteQuota;
  faults?: FaultRule[];
  /**
   * Whether the tenant has Microsoft Entra ID P2 (default true). Without it PIM's endpoints answer
   * 400 AadPremiumLicenseRequired; `roleAssignments` keeps working.
   */
  pim?: boolean;
}

export interface WriteQuota {
  writes: number;
  windowMs: number;
}

export type { JobActionCall, ProvisionOnDemandCall };

/** A seeded fault: for requests whose method+path match, with the given probability. */
export interface FaultRule {
  /** Regular expression source matched against the path (no query), e.g. `^/v1\\.0/users`. */
  path: string;
  /**
   * Regular expression source matched against the decoded query (`name=value` pairs joined by `&`),
   * e.g. `\\$deltatoken=` for the first request of a delta round that replays a delta link.
   */
  query?: string;
  method?: string;
  kind: FaultKind;
  /** 0..1, drawn from the simulator's seeded PRNG. Default 1. */
  probability?: number;
  /** Only the first N matching requests; unlimited by default. */
  count?: number;
  /** For `slow`: delay in ms. For `status429`: Retry-After seconds. */
  value?: number;
  /**
   * For `lost-response`: what the client sees after the request was applied, the connection
   * reset (default) or a 504 gateway timeout.
   */
  respond?: 'reset' | 'status504';
}

/**
 * `status429|503|504`: that status (Graph's error body, Retry-After on 429/503). `slow`: answered
 * `value` ms late. `reset`: connection dropped before any answer. `malformed`: a 200 whose body is
 * not JSON. `truncated`: the real answer, cut off after half its body (connection dropped).
 * `gone410`: 410 with a Location restarting the delta round. `lost-response`: applied, then the
 * answer is lost. `empty-page`: a 200 page with no items and an `@odata.nextLink` to the real page.
 * `repeat-items`: the real page plus items served again (one of this page, one of the page
 * before). `phantom-items`: a delta page plus `@removed` entries for objects the tenant never had.
 */
export type FaultKind =
  | 'status429'
  | 'status503'
  | 'status504'
  | 'slow'
  | 'reset'
  | 'malformed'
  | 'truncated'
  | 'gone410'
  | 'lost-response'
  /** The response loses its `@odata.nextLink`: a page that claims to be the last. */
  | 'drop-next-link'
  | 'empty-page'
  | 'repeat-items'
  | 'phantom-items';

export interface EndpointCounters {
  /** Requests served, those inside a `$batch` envelope included. */
  requests: number;
  /** Of `requests`, those that arrived inside a `$batch` envelope (not HTTP requests of their own). */
  batched: number;
  resourceUnits: number;
  throttled: number;
  faults: number;
}

export interface RunningSimulator {
  /** `https://localhost:<port>` — the one HTTPS origin serving every protocol. */
  url: string;
  port: number;
  tenantId: string;
  clientId: string;
  clientSecret: string;
  /** For @azure/identity `authorityHost` (with `disableInstanceDiscovery: true`). */
  authorityHost: string;
  /** Graph host as BATON_GRAPH_DOMAIN takes it: `localhost:<port>`. */
  graphDomain: string;
  /** Exchange admin API origin (same server). */
  exchangeBaseUrl: string;
  caCertPath: string;
  caCertPem: string;
  tenant: TenantStore;
  /** Counters by endpoint key (method + normalised path), plus a total under `*`. */
  counters(): Record<string, EndpointCounters>;
  resetCounters(): void;
  setFaults(rules: FaultRule[]): void;
  setThrottling(on: boolean): void;
  /** Replaces the per-app write quota; `null` restores Graph's 3,000 per 150 s. */
  setWriteQuota(quota: WriteQuota | null): void;
  /** Gives the tenant Entra ID P2 (PIM) or takes it away. */
  setPim(licensed: boolean): void;
  /** Provisioning calls served so far (provisionOnDemand, job start/pause), oldest first. */
  provisioningCalls(): { provisionOnDemand: ProvisionOnDemandCall[]; jobActions: JobActionCall[] };
  resetProvisioningCalls(): void;
  /** Moves the simulator's clock forward (only when no `now` was injected). */
  advanceClock(ms: number): void;
  close(): Promise<void>;
}
