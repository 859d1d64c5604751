/**
 * One group record per kind of group, with the properties Entra sets for that kind (mail and
 * security flags, group types, on-premises attributes, membership rules, SIDs).
 * https://learn.microsoft.com/graph/api/resources/groups-overview
 */
import { type GenContext, randomPast } from './gen-context.js';
import type { Flavour } from './gen-groups.js';
import { guidToBytesLe, type Rng } from './ids.js';
import type { GroupRecord, Guid } from './model.js';
import { asciiSlug, DEPARTMENTS, GROUP_TOPICS, LOCATIONS } from './names.js';

/** Cloud group SIDs are S-1-12-1- and the object id's four little-endian 32-bit words. */
function cloudSid(id: Guid): string {
  const b = Buffer.from(guidToBytesLe(id));
  return `S-1-12-1-${b.readUInt32LE(0)}-${b.readUInt32LE(4)}-${b.readUInt32LE(8)}-${b.readUInt32LE(12)}`;
}

export interface DynamicRule {
  department: string;
  city?: string;
  jobTitle?: string;
}

export function groupRecord(ctx: GenContext, i: number, flavour: Flavour, rule?: DynamicRule): GroupRecord {
  const { rng } = ctx;
  const id = rng.guid();
  const topic = i < GROUP_TOPICS.length ? (GROUP_TOPICS[i] as string) : `${rng.pick(GROUP_TOPICS)} ${i}`;
  const label = {
    security: 'SG',
    m365: 'Team',
    distribution: 'DL',
    mailSecurity: 'MESG',
    dynamic: 'Dyn',
    onPrem: 'AD',
    roleAssignable: 'PRIV',
  }[flavour];
  const nick = `${asciiSlug(topic, 'group')}-${label.toLowerCase()}${i}`;
  const mailEnabled = flavour === 'm365' || flavour === 'distribution' || flavour === 'mailSecurity';
  const mail = mailEnabled ? `${nick}@${ctx.customDomain}` : null;
  const onPrem = flavour === 'onPrem';
  let membershipRule: string | null = null;
  if (rule) {
    membershipRule = [
      `(user.department -eq "${rule.department}")`,
      rule.city && `(user.city -eq "${rule.city}")`,
      rule.jobTitle && `(user.jobTitle -eq "${rule.jobTitle}")`,
    ]
      .filter(Boolean)
      .join(' and ');
  }
  return {
    id,
    displayName: `${label} ${topic}`,
    description: rng.chance(0.7) ? `${topic} (${flavour})` : null,
    classification: flavour === 'm365' && rng.chance(0.3) ? rng.pick(['General', 'Confidential']) : null,
    groupTypes: flavour === 'm365' ? ['Unified'] : flavour === 'dynamic' ? ['DynamicMembership'] : [],
    mail,
    mailEnabled,
    mailNickname: nick,
    securityEnabled: flavour !== 'm365' && flavour !== 'distribution',
    securityIdentifier: cloudSid(id),
    isAssignableToRole: flavour === 'roleAssignable' ? true : null,
    isManagementRestricted: null,
    membershipRule,
    membershipRuleProcessingState: membershipRule ? 'On' : null,
    visibility:
      flavour === 'm365'
        ? rng.pick(['Public', 'Private'] as const)
        : flavour === 'roleAssignable'
          ? 'Private'
          : null,
    createdDateTime: randomPast(ctx, 1500, 10),
    onPremisesSyncEnabled: onPrem ? true : null,
    onPremisesSamAccountName: onPrem ? nick.slice(0, 20) : null,
    onPremisesSecurityIdentifier: onPrem
      ? `S-1-5-21-${rng.u32()}-${rng.u32()}-${rng.u32()}-${rng.int(1100, 999_999)}`
      : null,
    onPremisesDomainName: onPrem ? `corp.${ctx.customDomain}` : null,
    onPremisesLastSyncDateTime: onPrem ? randomPast(ctx, 0.02) : null,
    proxyAddresses: mail ? [`SMTP:${mail}`, `smtp:${nick}@${ctx.initialDomain}`] : [],
  };
}

/** A rule on a whole department, or (to keep big tenants' dynamic groups sane) a narrower one. */
export function dynamicRule(rng: Rng, wholeDepartment: boolean): DynamicRule {
  const department = rng.pick(DEPARTMENTS);
  if (wholeDepartment) return { department };
  return rng.chance(0.5)
    ? { department, city: rng.pick(LOCATIONS).city }
    : { department, city: rng.pick(LOCATIONS).city, jobTitle: 'Manager' };
}
