/**
 * The typed connector configuration, produced once from `BATON_*` settings by src/config/ and passed
 * down. Nothing else reads process.env.
 */

/** Every resource type, in the order a sync emits them. */
export const RESOURCE_TYPE_IDS = [
  'user',
  'group',
  'role',
  'enterprise_application',
  'managed_identity',
  // After the types a credential's parent and identity can be (enterprise_application).
  'credential',
  'license',
  'device',
] as const;
export type ResourceTypeId = (typeof RESOURCE_TYPE_IDS)[number];

export type EntraCloud = 'public' | 'usgov' | 'usgov-dod' | 'china' | 'custom';

export type EntraAuth =
  | { mode: 'client_secret'; tenantId: string; clientId: string; clientSecret: string }
  | {
      mode: 'certificate';
      tenantId: string;
      clientId: string;
      /** PEM: the certificate (and its chain). */
      certificatePem: string;
      /** PEM private key (PKCS#8 or PKCS#1), decrypted with `certificatePassword` if encrypted. */
      privateKeyPem: string;
      certificatePassword?: string;
    }
  | { mode: 'workload_identity'; tenantId: string; clientId: string; tokenFilePath: string }
  | {
      mode: 'password';
      tenantId: string;
      clientId: string;
      username: string;
      password: string;
      clientSecret?: string;
    };

export type DeviceJoinType = 'entra' | 'hybrid' | 'registered';

/** BATON_GRAPH_EXPAND: whether listings read relationships through `$expand`. */
export const GRAPH_EXPAND = ['auto', 'always', 'never'] as const;
export type GraphExpand = (typeof GRAPH_EXPAND)[number];

export interface ConnectorConfig {
  auth: EntraAuth;
  cloud: EntraCloud;
  /** e.g. `https://login.microsoftonline.com` (no trailing slash). */
  authorityHost: string;
  /** e.g. `graph.microsoft.com`, may carry a port (`localhost:8443`). */
  graphDomain: string;
  /** `https://<graphDomain>` */
  graphBaseUrl: string;
  /** e.g. `https://outlook.office365.com` — the Exchange Online admin API host. */
  exchangeBaseUrl: string;
  /** Proxy for outbound HTTPS, from BATON_HTTPS_PROXY or HTTPS_PROXY; NO_PROXY honoured. */
  httpsProxy?: string;
  noProxy?: string;

  skipAdGroups: boolean;
  includeOnPremGroupMembers: boolean;
  signInActivity: boolean;
  onPremisesExtensionAttributes: boolean;
  skipUnassignedApps: boolean;
  syncDevices: boolean;
  deviceJoinTypes: DeviceJoinType[];
  /** Devices with no sign-in for this many days are marked stale (profile + status). */
  deviceStaleDays?: number;
  userStaleDays?: number;
  /** Sync only users that are (transitive) members of these group ids. Empty = everyone. */
  scopeGroups: string[];
  licensedUsersOnly: boolean;
  /** Resource types to sync; all by default (device only when syncDevices). */
  syncResourceTypes: ResourceTypeId[];
  provisioning: boolean;
  /** BATON_DELETION_GUARD_MAX / _WINDOW: destructive operations allowed per window before they are held. */
  deletionGuard: { max: number; windowMs: number };
  /** BATON_PASSWORD_RECIPIENT: age recipient for generated passwords when a task names none. */
  passwordRecipient?: string;
  /** BATON_SCHEDULE_SCIM_PROVISIONING */
  scheduleScimProvisioning: boolean;
  /** Graph requests in flight at once (BATON_GRAPH_MAX_IN_FLIGHT); the client's default when unset. */
  graphMaxInFlight?: number;
  /** BATON_GRAPH_EXPAND: `auto` (also when unset) lets each full listing of service principals choose. */
  graphExpand?: GraphExpand;

  logLevel: 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent';
  logFormat: 'json' | 'console';
}
