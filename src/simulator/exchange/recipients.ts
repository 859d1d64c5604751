import type { SimContext } from '../context.js';
import type { GroupRecord, Guid } from '../tenant/model.js';
import { ExoError } from './errors.js';

/**
 * Exchange's view of the directory: distribution lists and mail-enabled security groups (not
 * Microsoft 365 groups), and recipients named by id, SMTP address or alias.
 */
export function distributionGroups(ctx: SimContext): GroupRecord[] {
  return [...ctx.store.groups.values()].filter((g) => g.mailEnabled && !g.groupTypes.includes('Unified'));
}

function smtp(g: { mail: string | null; mailNickname: string }, ctx: SimContext): string {
  return g.mail ?? `${g.mailNickname}@${ctx.store.initialDomain}`;
}

function nameOf(ctx: SimContext, id: Guid): string | undefined {
  const u = ctx.store.users.get(id);
  if (u) return u.mailNickname;
  return ctx.store.groups.get(id)?.mailNickname;
}

export function groupItem(ctx: SimContext, g: GroupRecord) {
  return {
    Identity: g.mailNickname,
    Id: g.mailNickname,
    Name: g.mailNickname,
    DisplayName: g.displayName,
    Alias: g.mailNickname,
    PrimarySmtpAddress: smtp(g, ctx),
    ExternalDirectoryObjectId: g.id,
    Guid: g.id,
    // ManagedBy holds recipient names (aliases), as Get-DistributionGroup prints them.
    ManagedBy: ctx.store
      .ownersOf(g.id)
      .map((o) => nameOf(ctx, o))
      .filter((x): x is string => x !== undefined),
    GroupType: g.securityEnabled ? 'Universal, SecurityEnabled' : 'Universal',
    RecipientType: g.securityEnabled ? 'MailUniversalSecurityGroup' : 'MailUniversalDistributionGroup',
    RecipientTypeDetails: g.securityEnabled ? 'MailUniversalSecurityGroup' : 'MailUniversalDistributionGroup',
    IsDirSynced: g.onPremisesSyncEnabled === true,
  };
}

export function recipientItem(ctx: SimContext, id: Guid) {
  const u = ctx.store.users.get(id);
  if (u) {
    const mailbox = u.mail !== null && u.assignedLicenses.length > 0;
    return {
      Identity: u.mailNickname,
      Name: u.mailNickname,
      DisplayName: u.displayName,
      Alias: u.mailNickname,
      PrimarySmtpAddress: u.mail ?? u.userPrincipalName,
      ExternalDirectoryObjectId: u.id,
      Guid: u.id,
      RecipientType: mailbox ? 'UserMailbox' : 'MailUser',
      RecipientTypeDetails: mailbox ? 'UserMailbox' : u.userType === 'Guest' ? 'GuestMailUser' : 'MailUser',
    };
  }
  const g = ctx.store.groups.get(id);
  if (g) return { ...groupItem(ctx, g), ManagedBy: undefined };
  const c = ctx.store.orgContacts.get(id);
  if (c)
    return {
      Identity: c.mailNickname,
      Name: c.mailNickname,
      DisplayName: c.displayName,
      Alias: c.mailNickname,
      PrimarySmtpAddress: c.mail,
      ExternalDirectoryObjectId: c.id,
      Guid: c.id,
      RecipientType: 'MailContact',
      RecipientTypeDetails: 'MailContact',
    };
  return undefined;
}

/** Identity resolution as the cmdlets do it: object id, SMTP address, alias or display name. */
export function findGroup(ctx: SimContext, identity: string): GroupRecord {
  const k = identity.toLowerCase();
  const g = distributionGroups(ctx).find(
    (x) =>
      x.id === k ||
      x.mailNickname.toLowerCase() === k ||
      x.displayName.toLowerCase() === k ||
      smtp(x, ctx).toLowerCase() === k,
  );
  if (!g)
    throw new ExoError(
      404,
      'NotFound',
      'ManagementObjectNotFoundException',
      `The operation couldn't be performed because object '${identity}' couldn't be found on 'SIM01.PROD.OUTLOOK.COM'.`,
    );
  return g;
}

export function resolveRecipient(ctx: SimContext, identity: string): Guid {
  const k = identity.toLowerCase();
  if (ctx.store.kindOf(identity)) return identity;
  for (const u of ctx.store.users.values()) {
    if (
      u.userPrincipalName.toLowerCase() === k ||
      u.mail?.toLowerCase() === k ||
      u.mailNickname.toLowerCase() === k
    )
      return u.id;
  }
  for (const g of ctx.store.groups.values())
    if (g.mail?.toLowerCase() === k || g.mailNickname.toLowerCase() === k) return g.id;
  throw new ExoError(
    404,
    'NotFound',
    'ManagementObjectNotFoundException',
    `Couldn't find object "${identity}". Please make sure that it was spelled correctly or specify a different object.`,
  );
}
