/**
 * The rest of the directory: subscribed SKUs (consumed units matching the users' licences),
 * devices (joined, hybrid and registered; some stale, some never signed in), organisational
 * contacts and administrative units.
 */
import type { SkuTemplate } from './catalog.js';
import { type GenContext, DAY_MS, randomPast, sample } from './gen-context.js';
import { isoSeconds } from './ids.js';
import type { DeviceRecord, Guid } from './model.js';
import { asciiSlug, GIVEN_NAMES, PARTNER_DOMAINS, SURNAMES } from './names.js';

export function generateSkus(
  ctx: GenContext,
  skus: readonly SkuTemplate[],
  consumed: ReadonlyMap<Guid, number>,
): void {
  const accountId = ctx.tenant.tenantId;
  for (const sku of skus) {
    const used = consumed.get(sku.skuId) ?? 0;
    // Free SKUs come with a large fixed pool; paid ones with some headroom over what is used.
    const enabled =
      sku.skuPartNumber === 'FLOW_FREE' ? 10_000 + used : used + Math.max(5, Math.ceil(used * 0.1));
    ctx.tenant.addSubscribedSku({
      id: `${accountId}_${sku.skuId}`,
      skuId: sku.skuId,
      skuPartNumber: sku.skuPartNumber,
      accountId,
      accountName: ctx.tenant.organization.displayName,
      appliesTo: sku.appliesTo,
      capabilityStatus: 'Enabled',
      consumedUnits: used,
      prepaidUnits: { enabled, suspended: 0, warning: sku.skuPartNumber === 'EMS' ? 5 : 0, lockedOut: 0 },
      servicePlans: sku.plans.map((p) => ({ ...p, provisioningStatus: 'Success', appliesTo: 'User' })),
    });
  }
}

const DEVICE_KINDS = [
  {
    os: 'Windows',
    versions: ['10.0.19045.4291', '10.0.22631.3447', '10.0.26100.1742'],
    trust: 'AzureAd',
    maker: 'Microsoft Corporation',
    model: 'Surface Laptop 5',
    prefix: 'DESKTOP-',
  },
  {
    os: 'Windows',
    versions: ['10.0.19045.4291', '10.0.22631.3447'],
    trust: 'ServerAd',
    maker: 'Dell Inc.',
    model: 'Latitude 7440',
    prefix: 'CORP-',
  },
  {
    os: 'iOS',
    versions: ['17.4.1', '17.5', '18.0'],
    trust: 'Workplace',
    maker: 'Apple',
    model: 'iPhone 15',
    prefix: 'iPhone-',
  },
  {
    os: 'Android',
    versions: ['14.0', '13.0'],
    trust: 'Workplace',
    maker: 'samsung',
    model: 'SM-S918B',
    prefix: 'Galaxy-',
  },
  {
    os: 'MacMDM',
    versions: ['14.4.1', '15.0'],
    trust: 'AzureAd',
    maker: 'Apple',
    model: 'MacBookPro18,3',
    prefix: 'MBP-',
  },
] as const;

export function generateDevices(ctx: GenContext): void {
  const { rng } = ctx;
  for (let i = 0; i < ctx.size.devices; i++) {
    const kind = DEVICE_KINDS[i % DEVICE_KINDS.length] as (typeof DEVICE_KINDS)[number];
    // Position 0 never signed in and position 1 is stale (> 90 days), so every preset has both.
    const never = i === 0 || rng.chance(0.03);
    const stale = i === 1 || rng.chance(0.1);
    const lastDays = stale ? 91 + rng.float() * 400 : rng.float() * 30;
    const registered = randomPast(ctx, 1200, stale ? 500 : 35);
    const device: DeviceRecord = {
      id: rng.guid(),
      deviceId: rng.guid(),
      displayName: `${kind.prefix}${rng.hex(7).toUpperCase()}`,
      accountEnabled: !stale || rng.chance(0.5),
      operatingSystem: kind.os,
      operatingSystemVersion: rng.pick(kind.versions),
      trustType: kind.trust,
      isCompliant: kind.trust === 'Workplace' ? null : rng.chance(0.85),
      isManaged: kind.trust === 'Workplace' ? rng.chance(0.5) : true,
      approximateLastSignInDateTime: never ? null : isoSeconds(ctx.base - lastDays * DAY_MS),
      registrationDateTime: registered,
      createdDateTime: registered,
      manufacturer: kind.maker,
      model: kind.model,
      onPremisesSyncEnabled: kind.trust === 'ServerAd' ? true : null,
      profileType: 'RegisteredDevice',
    };
    ctx.tenant.createDevice(device);
    ctx.ids.devices.push(device.id);
  }
}

export function generateContacts(ctx: GenContext): void {
  const { rng } = ctx;
  for (let i = 0; i < ctx.size.orgContacts; i++) {
    const given = rng.pick(GIVEN_NAMES);
    const surname = rng.pick(SURNAMES);
    const domain = rng.pick(PARTNER_DOMAINS);
    const nick = `${asciiSlug(given, 'contact')}${asciiSlug(surname, 'x')}${i}`;
    const id = rng.guid();
    ctx.tenant.createOrgContact({
      id,
      displayName: `${given} ${surname}`,
      givenName: given,
      surname,
      mail: `${nick}@${domain}`,
      mailNickname: nick,
      companyName: domain,
      createdDateTime: randomPast(ctx, 900, 1),
    });
    ctx.ids.contacts.push(id);
  }
}

const UNIT_NAMES = [
  'EMEA',
  'Americas',
  'APAC',
  'Contractors',
  'Executives',
  'Engineering Division',
  'Retail Stores',
];

/** Administrative units with users, groups and devices as members (scopes for delegated admin roles). */
export function generateUnits(ctx: GenContext): void {
  const { rng } = ctx;
  for (let i = 0; i < ctx.size.administrativeUnits; i++) {
    const id = rng.guid();
    const name = UNIT_NAMES[i % UNIT_NAMES.length] as string;
    ctx.tenant.createAdministrativeUnit({
      id,
      displayName: i < UNIT_NAMES.length ? name : `${name} ${Math.floor(i / UNIT_NAMES.length) + 1}`,
      description: `Delegated administration for ${name}`,
      visibility: i % 5 === 4 ? 'HiddenMembership' : null,
    });
    ctx.ids.units.push(id);
    const users = sample(
      rng,
      ctx.ids.members,
      Math.max(3, Math.floor(ctx.ids.members.length / (ctx.size.administrativeUnits * 3))),
    );
    for (const u of users) ctx.tenant.addAdministrativeUnitMember(id, u);
    for (const d of sample(rng, ctx.ids.devices, Math.min(20, ctx.ids.devices.length >> 3)))
      ctx.tenant.addAdministrativeUnitMember(id, d);
  }
}
