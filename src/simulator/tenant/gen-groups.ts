/**
 * Groups of every kind Entra has, their owners and members. Sizes follow a Zipf law (a handful of
 * huge groups, most tiny), members respect what each kind of group may hold (rules.ts), and
 * nesting only ever points from a lower-numbered group to a higher one, so it cannot cycle, with
 * one chain seven groups deep.
 */
import { type GenContext, sample } from './gen-context.js';
import { type DynamicRule, dynamicRule, groupRecord } from './gen-group-records.js';
import type { Rng } from './ids.js';
import type { Guid, UserRecord } from './model.js';

export type Flavour =
  'security' | 'm365' | 'distribution' | 'mailSecurity' | 'dynamic' | 'onPrem' | 'roleAssignable';

/** Groups 0–6 are one of each kind; 7–13 form the deep nesting chain. */
export const FIXED_FLAVOURS: readonly Flavour[] = [
  'security',
  'm365',
  'distribution',
  'mailSecurity',
  'dynamic',
  'onPrem',
  'roleAssignable',
];
export const CHAIN = { first: 7, length: 7 } as const;
export const MIN_GROUPS = CHAIN.first + CHAIN.length + 1;

const WEIGHTS: readonly [Flavour, number][] = [
  ['security', 0.5],
  ['m365', 0.27],
  ['distribution', 0.08],
  ['mailSecurity', 0.05],
  ['dynamic', 0.02],
  ['onPrem', 0.06],
  ['roleAssignable', 0.02],
];

export function generateGroups(ctx: GenContext): void {
  const flavours: Flavour[] = [];
  const rules = new Map<number, DynamicRule>();
  for (let i = 0; i < ctx.size.groups; i++) {
    const flavour =
      i < FIXED_FLAVOURS.length
        ? (FIXED_FLAVOURS[i] as Flavour)
        : i < CHAIN.first + CHAIN.length
          ? 'security'
          : weighted(ctx.rng);
    flavours.push(flavour);
    const rule = flavour === 'dynamic' ? dynamicRule(ctx.rng, i < FIXED_FLAVOURS.length) : undefined;
    if (rule) rules.set(i, rule);
    const group = groupRecord(ctx, i, flavour, rule);
    ctx.tenant.createGroup(group);
    ctx.ids.groups.push(group.id);
  }
  addOwners(ctx, flavours);
  const dynamicMembers = fillDynamic(ctx, rules);
  fillStatic(ctx, flavours, Math.max(0, ctx.size.memberships - dynamicMembers));
  nest(ctx, flavours);
  addOtherKinds(ctx, flavours);
  if (ctx.ids.units.length > 0)
    ctx.tenant.addAdministrativeUnitMember(ctx.ids.units[0] as Guid, ctx.ids.groups[0] as Guid);
}

function weighted(rng: Rng): Flavour {
  let x = rng.float();
  for (const [f, w] of WEIGHTS) if ((x -= w) < 0) return f;
  return 'security';
}

function fillDynamic(ctx: GenContext, rules: ReadonlyMap<number, DynamicRule>): number {
  // Every rule names a department, so evaluating it only needs that department's people.
  const byDepartment = new Map<string, UserRecord[]>();
  for (const u of ctx.tenant.users.values()) {
    if (u.userType !== 'Member' || u.department === null) continue;
    const list = byDepartment.get(u.department);
    if (list) list.push(u);
    else byDepartment.set(u.department, [u]);
  }
  let total = 0;
  for (const [i, rule] of rules) {
    const groupId = ctx.ids.groups[i] as Guid;
    const matches = (u: UserRecord): boolean =>
      (!rule.city || u.city === rule.city) && (!rule.jobTitle || u.jobTitle === rule.jobTitle);
    for (const u of byDepartment.get(rule.department) ?? []) {
      if (matches(u) && ctx.tenant.addMember(groupId, u.id)) total++;
    }
  }
  return total;
}

/** Zipf-distributed sizes over the static groups, capped by what each may hold, summing to `target`. */
function fillStatic(ctx: GenContext, flavours: readonly Flavour[], target: number): void {
  const { rng, ids } = ctx;
  const users = [...ids.members, ...ids.guests];
  const pools: Record<Exclude<Flavour, 'dynamic'>, readonly Guid[]> = {
    security: users,
    m365: users,
    distribution: ids.members,
    mailSecurity: ids.members,
    onPrem: ids.onPremUsers.length > 0 ? ids.onPremUsers : ids.members,
    roleAssignable: ids.admins,
  };
  const statics = flavours.map((f, i) => i).filter((i) => flavours[i] !== 'dynamic');
  // Random ranks: which groups are the huge ones is itself part of the seed.
  for (let k = statics.length - 1; k > 0; k--) {
    const j = rng.int(0, k);
    [statics[k], statics[j]] = [statics[j] as number, statics[k] as number];
  }
  const caps = statics.map((i) =>
    Math.floor(
      pools[flavours[i] as Exclude<Flavour, 'dynamic'>].length *
        (flavours[i] === 'roleAssignable' ? 0.05 : 0.9),
    ),
  );
  const weights = statics.map((_, r) => 1 / (r + 1));
  const sizes = zipfSizes(weights, caps, target);
  statics.forEach((i, r) => {
    const pool = pools[flavours[i] as Exclude<Flavour, 'dynamic'>];
    for (const m of sample(rng, pool, sizes[r] as number)) ctx.tenant.addMember(ids.groups[i] as Guid, m);
  });
}

export function zipfSizes(weights: readonly number[], caps: readonly number[], target: number): number[] {
  const sizes = weights.map(() => 0);
  let remaining = target;
  // Hand out the remaining target in proportion to the weights of groups still under their cap.
  for (let round = 0; round < 8 && remaining > 0; round++) {
    const open = weights.map((w, r) => ((sizes[r] as number) < (caps[r] as number) ? w : 0));
    const total = open.reduce((a, b) => a + b, 0);
    if (total === 0) break;
    let given = 0;
    open.forEach((w, r) => {
      const add = Math.min((caps[r] as number) - (sizes[r] as number), Math.floor((remaining * w) / total));
      sizes[r] = (sizes[r] as number) + add;
      given += add;
    });
    remaining -= given;
    if (given === 0) break;
  }
  for (let r = 0; remaining > 0 && r < sizes.length; r++) {
    const add = Math.min(remaining, (caps[r] as number) - (sizes[r] as number));
    sizes[r] = (sizes[r] as number) + add;
    remaining -= add;
  }
  return sizes;
}

function addOwners(ctx: GenContext, flavours: readonly Flavour[]): void {
  const { rng, ids, tenant } = ctx;
  flavours.forEach((f, i) => {
    const groupId = ids.groups[i] as Guid;
    if (f === 'dynamic' && i >= FIXED_FLAVOURS.length && rng.chance(0.5)) return;
    const count = i < FIXED_FLAVOURS.length ? 2 : rng.chance(0.1) ? 0 : rng.int(1, 3);
    for (const owner of sample(rng, ids.admins, count)) tenant.addOwner(groupId, owner);
    if ((i === 0 || rng.chance(0.03)) && ids.appSps.length > 0)
      tenant.addOwner(groupId, rng.pick(ids.appSps));
  });
}

/** Groups that may contain groups, and groups that may be nested (not Microsoft 365, not dynamic). */
const CAN_NEST: ReadonlySet<Flavour> = new Set(['security', 'distribution', 'mailSecurity', 'onPrem']);
const NESTABLE: ReadonlySet<Flavour> = new Set([
  'security',
  'distribution',
  'mailSecurity',
  'onPrem',
  'dynamic',
  'roleAssignable',
]);

function nest(ctx: GenContext, flavours: readonly Flavour[]): void {
  const { rng, ids, tenant } = ctx;
  const g = (i: number): Guid => ids.groups[i] as Guid;
  tenant.addMember(g(0), g(CHAIN.first));
  for (let k = CHAIN.first; k < CHAIN.first + CHAIN.length - 1; k++) tenant.addMember(g(k), g(k + 1));
  tenant.addMember(g(2), g(3)); // a mail-enabled security group inside a distribution list
  tenant.addMember(g(0), g(4)); // a dynamic group inside a static one
  tenant.addMember(g(5), g(CHAIN.first + CHAIN.length - 1)); // a cloud group inside a synced one
  const n = flavours.length;
  for (let i = CHAIN.first + CHAIN.length; i < n; i++) {
    if (!CAN_NEST.has(flavours[i] as Flavour) || !rng.chance(0.15)) continue;
    for (let c = rng.int(1, 3); c > 0; c--) {
      const child = rng.int(i + 1, n - 1);
      if (
        child < n &&
        child > i &&
        NESTABLE.has(flavours[child] as Flavour) &&
        flavours[i] !== 'roleAssignable'
      )
        tenant.addMember(g(i), g(child));
    }
  }
}

/** Devices, service principals and contacts in the kinds of group that accept them. */
function addOtherKinds(ctx: GenContext, flavours: readonly Flavour[]): void {
  const { rng, ids, tenant } = ctx;
  const g0 = ids.groups[0] as Guid;
  if (ids.devices.length > 0) tenant.addMember(g0, ids.devices[0] as Guid);
  if (ids.appSps.length > 0) tenant.addMember(g0, ids.appSps[0] as Guid);
  if (ids.contacts.length > 0) {
    tenant.addMember(g0, ids.contacts[0] as Guid);
    tenant.addMember(ids.groups[2] as Guid, ids.contacts[0] as Guid);
  }
  if (ids.appSps.length > 1) tenant.addMember(ids.groups[6] as Guid, ids.appSps[1] as Guid);
  flavours.forEach((f, i) => {
    const groupId = ids.groups[i] as Guid;
    if (f === 'security' && rng.chance(0.1))
      for (const d of sample(rng, ids.devices, rng.int(1, 20))) tenant.addMember(groupId, d);
    if (f === 'security' && rng.chance(0.03))
      for (const sp of sample(rng, [...ids.appSps, ...ids.managedIdentities], rng.int(1, 3)))
        tenant.addMember(groupId, sp);
    if ((f === 'distribution' || f === 'mailSecurity') && rng.chance(0.3))
      for (const c of sample(rng, ids.contacts, rng.int(1, 5))) tenant.addMember(groupId, c);
  });
}
