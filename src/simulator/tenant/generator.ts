/**
 * Generates a whole tenant from a preset and a seed. The same seed and generation instant always
 * give the same tenant, byte for byte: every random draw comes from one seeded generator, stages
 * run in a fixed order, and every date is relative to the generation instant.
 *
 * The tenant is built through the store's own (validating) mutations inside `Tenant.load`, so a
 * generated tenant obeys the same rules the server's writes do, and starts with an empty change log.
 */
import { SKU_TEMPLATES } from './catalog.js';
import { generateSpCredentials } from './gen-sp-credentials.js';
import { FIRST_PARTY_COUNT, generateApps, MIN_APPLICATIONS } from './gen-apps.js';
import { generateAudits } from './gen-audits.js';
import type { GenContext } from './gen-context.js';
import { generateContacts, generateDevices, generateSkus, generateUnits } from './gen-directory.js';
import { generateGrants, generateSyncJobs, registerClients } from './gen-grants.js';
import { generateGroups, MIN_GROUPS } from './gen-groups.js';
import { generateRoles } from './gen-roles.js';
import { generateUsers, MIN_MEMBERS } from './gen-users.js';
import { isoSeconds, Rng } from './ids.js';
import type { PresetName, TenantSize } from './model.js';
import { asciiSlug, TENANT_NAMES } from './names.js';
import { Tenant } from './store.js';

/**
 * What the counts mean: `users` includes `guests`; `servicePrincipals` is the total, counting the
 * Microsoft first-party apps, `managedIdentities`, one per tenant application (as far as they
 * fit) and third-party gallery apps for the rest; `applications` includes the two registered
 * clients; `roleAssignments` is all active assignments, including those activated from
 * `roleEligibilities`; `memberships` is a floor on direct group memberships (fixed nesting and
 * non-user members come on top).
 */
export const PRESETS: Readonly<Record<PresetName, Readonly<TenantSize>>> = {
  demo: {
    users: 50,
    guests: 6,
    groups: 20,
    memberships: 150,
    servicePrincipals: 22,
    managedIdentities: 2,
    applications: 8,
    roleAssignments: 12,
    roleEligibilities: 6,
    devices: 20,
    orgContacts: 5,
    administrativeUnits: 2,
    skus: 8,
    directoryAudits: 40,
  },
  small: {
    users: 2_000,
    guests: 150,
    groups: 300,
    memberships: 12_000,
    servicePrincipals: 120,
    managedIdentities: 10,
    applications: 70,
    roleAssignments: 60,
    roleEligibilities: 30,
    devices: 800,
    orgContacts: 100,
    administrativeUnits: 10,
    skus: 8,
    directoryAudits: 1_000,
  },
  large: {
    users: 100_000,
    guests: 5_000,
    groups: 20_000,
    memberships: 1_000_000,
    servicePrincipals: 2_000,
    managedIdentities: 150,
    applications: 1_200,
    roleAssignments: 1_200,
    roleEligibilities: 400,
    devices: 40_000,
    orgContacts: 3_000,
    administrativeUnits: 50,
    skus: 8,
    directoryAudits: 20_000,
  },
  // Few, large groups and many applications: the shape where reading service principals'
  // assignments and owners dominates a sync's requests.
  apps: {
    users: 5_000,
    guests: 200,
    groups: 15,
    memberships: 30_000,
    servicePrincipals: 3_000,
    managedIdentities: 100,
    applications: 2_000,
    roleAssignments: 60,
    roleEligibilities: 30,
    devices: 300,
    orgContacts: 20,
    administrativeUnits: 5,
    skus: 8,
    directoryAudits: 500,
  },
};

export const PRESET_NAMES = Object.keys(PRESETS) as PresetName[];

export interface GenerateOptions {
  preset: PresetName;
  seed: number;
  /** Overrides of the preset's counts; any subset. */
  size?: Partial<TenantSize>;
  /** The tenant's clock (ms since the epoch); its value at generation is the instant all dates are relative to. */
  now?: () => number;
}

/** The preset's sizes with `overrides` applied, checked: throws naming the field and what it needs. */
export function resolveSize(preset: PresetName, overrides: Partial<TenantSize> = {}): TenantSize {
  const base = PRESETS[preset];
  if (!base)
    throw new Error(`preset must be one of ${PRESET_NAMES.join(', ')}, got ${JSON.stringify(preset)}`);
  const size = { ...base } as TenantSize;
  for (const [key, value] of Object.entries(overrides) as [keyof TenantSize, unknown][]) {
    if (!(key in base))
      throw new Error(
        `size.${key} is not a tenant size field (expected one of ${Object.keys(base).join(', ')})`,
      );
    if (value === undefined) continue;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
      throw new Error(`size.${key} must be a non-negative integer, got ${JSON.stringify(value)}`);
    }
    size[key] = value;
  }
  // A lone override of users keeps guests in proportion rather than leaving too few members.
  if (overrides.users !== undefined && overrides.guests === undefined)
    size.guests = Math.min(size.guests, Math.floor(size.users / 10));
  const minimum: [keyof TenantSize, number][] = [
    ['groups', MIN_GROUPS],
    ['applications', MIN_APPLICATIONS],
    ['managedIdentities', 1],
    ['roleAssignments', 5],
    ['roleEligibilities', 2],
    ['devices', 2],
    ['orgContacts', 1],
    ['administrativeUnits', 1],
    ['skus', 1],
    ['directoryAudits', 8],
  ];
  for (const [key, min] of minimum)
    if (size[key] < min) throw new Error(`size.${key} must be at least ${min}, got ${size[key]}`);
  if (size.users - size.guests < MIN_MEMBERS) {
    throw new Error(
      `size.users must exceed size.guests by at least ${MIN_MEMBERS} (members), got users=${size.users} guests=${size.guests}`,
    );
  }
  const minSps = FIRST_PARTY_COUNT + size.managedIdentities + MIN_APPLICATIONS;
  if (size.servicePrincipals < minSps) {
    throw new Error(
      `size.servicePrincipals must be at least ${minSps} (${FIRST_PARTY_COUNT} Microsoft apps + managedIdentities + ${MIN_APPLICATIONS} tenant apps), got ${size.servicePrincipals}`,
    );
  }
  size.skus = Math.min(size.skus, SKU_TEMPLATES.length);
  return size;
}

export function generateTenant(options: GenerateOptions): Tenant {
  if (!Number.isInteger(options.seed))
    throw new Error(`seed must be an integer, got ${JSON.stringify(options.seed)}`);
  const size = resolveSize(options.preset, options.size);
  const now = options.now ?? Date.now;
  const base = now();
  const rng = new Rng(options.seed);
  const name = rng.pick(TENANT_NAMES);
  const slug = asciiSlug(name, 'tenant');
  const initialDomain = `${slug}${rng.hex(4)}.onmicrosoft.com`;
  const customDomain = `${slug}.example`;
  const tenantId = rng.guid();
  const tenant = new Tenant({
    tenantId,
    initialDomain,
    now,
    organization: {
      id: tenantId,
      displayName: name,
      verifiedDomains: [
        {
          name: initialDomain,
          isDefault: false,
          isInitial: true,
          type: 'Managed',
          capabilities: 'Email, OfficeCommunicationsOnline',
        },
        {
          name: customDomain,
          isDefault: true,
          isInitial: false,
          type: 'Managed',
          capabilities: 'Email, OfficeCommunicationsOnline',
        },
      ],
      tenantType: 'AAD',
      countryLetterCode: 'US',
      createdDateTime: isoSeconds(base - 2400 * 86_400_000),
    },
  });
  const ctx: GenContext = {
    rng,
    tenant,
    size,
    base,
    initialDomain,
    customDomain,
    ids: {
      members: [],
      guests: [],
      onPremUsers: [],
      admins: [],
      groups: [],
      devices: [],
      contacts: [],
      units: [],
      appSps: [],
      managedIdentities: [],
      assignableSps: [],
      graphSpId: '',
      exchangeSpId: '',
    },
  };
  tenant.load(() => build(ctx));
  return tenant;
}

function build(ctx: GenContext): void {
  const { tenant, rng } = ctx;
  const skus = SKU_TEMPLATES.slice(0, ctx.size.skus);
  const { consumed, known } = generateUsers({ ...ctx, rng: rng.fork('users') }, skus);
  generateSkus(ctx, skus, consumed);
  generateDevices({ ...ctx, rng: rng.fork('devices') });
  generateContacts({ ...ctx, rng: rng.fork('contacts') });
  generateUnits({ ...ctx, rng: rng.fork('units') });
  const clients = generateApps({ ...ctx, rng: rng.fork('apps') });
  generateGroups({ ...ctx, rng: rng.fork('groups') });
  generateGrants({ ...ctx, rng: rng.fork('grants') }, clients);
  generateSyncJobs({ ...ctx, rng: rng.fork('jobs') });
  registerClients(ctx, clients);
  generateRoles({ ...ctx, rng: rng.fork('roles') }, clients);
  generateAudits({ ...ctx, rng: rng.fork('audits') }, clients);
  generateSpCredentials({ ...ctx, rng: rng.fork('sp-credentials') });
  tenant.demoCredentials = {
    users: known.map(({ id, userPrincipalName, password, mfaRequired }) => ({
      id,
      userPrincipalName,
      password,
      mfaRequired,
    })),
    confidentialClient: {
      clientId: clients.confidential.clientId,
      clientSecret: clients.confidential.clientSecret,
    },
    publicClient: { clientId: clients.publicClient.clientId },
  };
}
