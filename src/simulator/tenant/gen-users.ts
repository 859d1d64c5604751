/**
 * Users: members in a manager tree, guests, on-premises synced accounts, disabled and never
 * signed-in accounts, shared/room mailboxes, licences, and the users with known passwords.
 */
import type { SkuTemplate } from './catalog.js';
import { type GenContext, DAY_MS, randomPast } from './gen-context.js';
import { isoSeconds } from './ids.js';
import type {
  AssignedLicense,
  Guid,
  OnPremisesExtensionAttributes,
  SignInActivity,
  UserRecord,
} from './model.js';
import {
  asciiSlug,
  DEPARTMENTS,
  GIVEN_NAMES,
  JOB_TITLES,
  LOCATIONS,
  PARTNER_DOMAINS,
  SURNAMES,
  UNICODE_PEOPLE,
} from './names.js';

const EMPTY: readonly never[] = Object.freeze([]);
const NO_EXTENSIONS: OnPremisesExtensionAttributes = Object.freeze(
  Object.fromEntries(
    Array.from({ length: 15 }, (_, i) => [`extensionAttribute${i + 1}`, null]),
  ) as unknown as OnPremisesExtensionAttributes,
);
const MAILBOX = {
  user: Object.freeze({ userPurpose: 'user' as const }),
  shared: Object.freeze({ userPurpose: 'shared' as const }),
  room: Object.freeze({ userPurpose: 'room' as const }),
  equipment: Object.freeze({ userPurpose: 'equipment' as const }),
};

/** Member positions with a fixed role, so that every preset has each variety. */
export const SPECIAL = {
  top: 0,
  passwordUser: 1,
  mfaUser: 2,
  firstUnicode: 3,
  neverSignedIn: 10,
  disabled: 11,
  onPrem: 12,
  extensions: 13,
} as const;
export const MIN_MEMBERS = 20;
const FANOUT = 5;

export interface KnownPassword {
  id: Guid;
  userPrincipalName: string;
  password: string;
  mfaRequired: boolean;
}

/** Creates every user; returns the licences consumed per SKU and the users with known passwords. */
export function generateUsers(
  ctx: GenContext,
  skus: readonly SkuTemplate[],
): { consumed: Map<Guid, number>; known: KnownPassword[] } {
  const { size } = ctx;
  const memberCount = size.users - size.guests;
  const consumed = new Map<Guid, number>(skus.map((s) => [s.skuId, 0]));
  for (let i = 0; i < memberCount; i++) {
    const user = memberRecord(ctx, i, memberCount, skus);
    for (const l of user.assignedLicenses) consumed.set(l.skuId, (consumed.get(l.skuId) ?? 0) + 1);
    ctx.tenant.createUser(user);
    ctx.ids.members.push(user.id);
    if (user.onPremisesSyncEnabled) ctx.ids.onPremUsers.push(user.id);
    if (user.accountEnabled && user.mailboxSettings.userPurpose === 'user') ctx.ids.admins.push(user.id);
  }
  for (let i = 0; i < size.guests; i++) {
    const guest = guestRecord(ctx, i);
    ctx.tenant.createUser(guest);
    ctx.ids.guests.push(guest.id);
  }
  buildManagerTree(ctx, memberCount);
  return { consumed, known: knownPasswords(ctx) };
}

function memberRecord(
  ctx: GenContext,
  i: number,
  memberCount: number,
  skus: readonly SkuTemplate[],
): UserRecord {
  const { rng } = ctx;
  const unicode = UNICODE_PEOPLE[i - SPECIAL.firstUnicode];
  const given = unicode?.[0] ?? rng.pick(GIVEN_NAMES);
  const surname = unicode?.[1] ?? rng.pick(SURNAMES);
  const purpose =
    i === memberCount - 1
      ? 'shared'
      : i === memberCount - 2
        ? 'room'
        : i === memberCount - 3
          ? 'equipment'
          : 'user';
  const person = purpose === 'user';
  const nick = person ? `${asciiSlug(given, 'user')}.${asciiSlug(surname, 'x')}${i}` : `${purpose}${i}`;
  const loc = rng.pick(LOCATIONS);
  const onPrem = i === SPECIAL.onPrem || (person && i > SPECIAL.extensions && rng.chance(0.3));
  const enabled = person ? i !== SPECIAL.disabled && (i <= SPECIAL.mfaUser || !rng.chance(0.04)) : false;
  const created = randomPast(ctx, 2000, 30);
  const department = person ? rng.pick(DEPARTMENTS) : null;
  const upn = `${nick}@${onPrem || rng.chance(0.9) ? ctx.customDomain : ctx.initialDomain}`;
  return {
    id: rng.guid(),
    userPrincipalName: upn,
    displayName: person
      ? unicode && /[\u4e00-\u9fff]/.test(given)
        ? `${surname}${given}`
        : `${given} ${surname}`
      : `${purpose === 'shared' ? 'Shared Mailbox' : purpose === 'room' ? 'Conference Room' : 'Projector'} ${i}`,
    givenName: person ? given : null,
    surname: person ? surname : null,
    mail: rng.chance(0.97) || !person ? upn : null,
    mailNickname: nick,
    otherMails: EMPTY as never[],
    userType: 'Member',
    accountEnabled: enabled,
    jobTitle: person ? (i === SPECIAL.top ? 'Chief Executive Officer' : rng.pick(JOB_TITLES)) : null,
    department,
    companyName: ctx.tenant.organization.displayName,
    country: loc.country,
    city: loc.city,
    officeLocation: person ? `${loc.city} ${rng.int(1, 9)}/${rng.int(100, 999)}` : null,
    usageLocation: loc.usageLocation,
    preferredLanguage: loc.language,
    mobilePhone:
      person && rng.chance(0.6) ? `+1 555 ${String(rng.int(0, 9_999_999)).padStart(7, '0')}` : null,
    businessPhones:
      person && rng.chance(0.5)
        ? [`+1 425 555 ${String(rng.int(0, 9999)).padStart(4, '0')}`]
        : (EMPTY as never[]),
    employeeId: person && rng.chance(0.85) ? `E${String(100000 + i)}` : null,
    employeeType: person ? rng.pick(['Employee', 'Employee', 'Employee', 'Contractor']) : null,
    employeeHireDate: person ? created : null,
    createdDateTime: created,
    creationType: null,
    externalUserState: null,
    onPremisesSyncEnabled: onPrem ? true : null,
    onPremisesImmutableId: onPrem ? Buffer.from(rng.bytes(16)).toString('base64') : null,
    onPremisesSamAccountName: onPrem ? nick.replace('.', '').slice(0, 20) : null,
    onPremisesDomainName: onPrem ? `corp.${ctx.customDomain}` : null,
    onPremisesLastSyncDateTime: onPrem ? isoSeconds(ctx.base - rng.int(1, 3600) * 1000) : null,
    onPremisesExtensionAttributes:
      i === SPECIAL.extensions || (person && rng.chance(0.15)) ? extensions(ctx, department) : NO_EXTENSIONS,
    ...signIn(ctx, i, enabled),
    assignedLicenses: person ? licenses(ctx, skus) : [],
    mailboxSettings: MAILBOX[purpose],
  };
}

function guestRecord(ctx: GenContext, i: number): UserRecord {
  const { rng } = ctx;
  const given = rng.pick(GIVEN_NAMES);
  const surname = rng.pick(SURNAMES);
  const domain = rng.pick(PARTNER_DOMAINS);
  const local = `${asciiSlug(given, 'guest')}.${asciiSlug(surname, 'x')}${i}`;
  const mail = `${local}@${domain}`;
  const pending = i === 0 || rng.chance(0.15);
  // Guest UPNs: the external address with @ replaced by _, then #EXT# and the tenant's initial domain.
  // https://learn.microsoft.com/entra/external-id/user-properties
  return {
    id: rng.guid(),
    userPrincipalName: `${mail.replace('@', '_')}#EXT#@${ctx.initialDomain}`,
    displayName: `${given} ${surname} (${domain.split('.')[0]})`,
    givenName: given,
    surname,
    mail,
    mailNickname: `${mail.replace('@', '_')}#EXT#`,
    otherMails: [mail],
    userType: 'Guest',
    accountEnabled: true,
    jobTitle: null,
    department: null,
    companyName: domain,
    country: null,
    city: null,
    officeLocation: null,
    usageLocation: null,
    preferredLanguage: null,
    mobilePhone: null,
    businessPhones: EMPTY as never[],
    employeeId: null,
    employeeType: null,
    employeeHireDate: null,
    createdDateTime: randomPast(ctx, 700, 1),
    creationType: 'Invitation',
    externalUserState: pending ? 'PendingAcceptance' : 'Accepted',
    onPremisesSyncEnabled: null,
    onPremisesImmutableId: null,
    onPremisesSamAccountName: null,
    onPremisesDomainName: null,
    onPremisesLastSyncDateTime: null,
    onPremisesExtensionAttributes: NO_EXTENSIONS,
    ...(pending ? {} : signIn(ctx, -1, true)),
    assignedLicenses: [],
    mailboxSettings: MAILBOX.user,
  };
}

function extensions(ctx: GenContext, department: string | null): OnPremisesExtensionAttributes {
  return {
    ...NO_EXTENSIONS,
    extensionAttribute1: `CC-${ctx.rng.int(1000, 9999)}`,
    extensionAttribute2: department,
    extensionAttribute7: ctx.rng.chance(0.5) ? 'FTE' : null,
    extensionAttribute15: ctx.rng.chance(0.3) ? 'Ünïcödé ✓' : null,
  };
}

/** `signInActivity` is absent for users who never signed in (user resource docs). */
function signIn(ctx: GenContext, i: number, enabled: boolean): { signInActivity?: SignInActivity } {
  const { rng } = ctx;
  if (i === SPECIAL.neverSignedIn || rng.chance(0.08)) return {};
  const lastDays = enabled ? rng.float() * (rng.chance(0.1) ? 200 : 20) : 90 + rng.float() * 300;
  const last = ctx.base - lastDays * DAY_MS;
  const nonInteractive = Math.min(ctx.base, last + rng.float() * DAY_MS * 3);
  return {
    signInActivity: {
      lastSignInDateTime: isoSeconds(last),
      lastSignInRequestId: rng.guid(),
      lastNonInteractiveSignInDateTime: isoSeconds(nonInteractive),
      lastNonInteractiveSignInRequestId: rng.guid(),
      lastSuccessfulSignInDateTime: isoSeconds(last),
      lastSuccessfulSignInRequestId: rng.guid(),
    },
  };
}

function licenses(ctx: GenContext, skus: readonly SkuTemplate[]): AssignedLicense[] {
  const { rng } = ctx;
  const out: AssignedLicense[] = [];
  const suites = skus.filter((s) => ['SPE_E3', 'SPE_E5', 'ENTERPRISEPACK'].includes(s.skuPartNumber));
  if (suites.length > 0 && rng.chance(0.8)) {
    const suite = rng.pick(suites);
    // A few users have Teams switched off inside their suite.
    const teams = suite.plans.find((p) => p.servicePlanName === 'TEAMS1');
    out.push({ skuId: suite.skuId, disabledPlans: teams && rng.chance(0.05) ? [teams.servicePlanId] : [] });
  }
  for (const [part, p] of [
    ['AAD_PREMIUM_P2', 0.1],
    ['POWER_BI_PRO', 0.2],
    ['FLOW_FREE', 0.15],
    ['EMS', 0.05],
    ['AAD_PREMIUM', 0.05],
  ] as const) {
    const sku = skus.find((s) => s.skuPartNumber === part);
    if (sku && rng.chance(p)) out.push({ skuId: sku.skuId, disabledPlans: [] });
  }
  return out;
}

/** A tree of fan-out 5 over the people: several manager levels even in the demo preset. */
function buildManagerTree(ctx: GenContext, memberCount: number): void {
  const people = ctx.ids.members.slice(0, Math.max(1, memberCount - 3));
  for (let i = 1; i < people.length; i++) {
    if (i > SPECIAL.extensions && ctx.rng.chance(0.02)) continue;
    ctx.tenant.setManager(people[i] as Guid, people[Math.floor((i - 1) / FANOUT)] as Guid);
  }
}

function knownPasswords(ctx: GenContext): KnownPassword[] {
  const out: KnownPassword[] = [];
  for (const [index, mfaRequired] of [
    [SPECIAL.passwordUser, false],
    [SPECIAL.mfaUser, true],
  ] as const) {
    const id = ctx.ids.members[index] as Guid;
    const password = `Sim!${ctx.rng.hex(10)}Aa9`;
    ctx.tenant.setUserCredentials(id, { password, mfaRequired });
    out.push({
      id,
      userPrincipalName: ctx.tenant.users.get(id)?.userPrincipalName as string,
      password,
      mfaRequired,
    });
  }
  return out;
}
