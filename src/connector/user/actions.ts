import type { OperationOptions } from '../../framework/capabilities.js';
import { ProvisioningError } from '../../framework/provisioning/requests.js';
import type { JsonObject, JsonValue } from '../../framework/types.js';
import { GraphError } from '../../graph/errors.js';
import { argumentsSchema, optText, text, type ActionDef, type ArgSchema } from '../shared/action-args.js';
import type { GraphUserRead } from './graph.js';
import {
  answerLost,
  isAlreadyGone,
  provisioningError,
  Writes,
  type ProvisionDeps,
} from '../shared/writes.js';
import { setAccountEnabled } from './account.js';
import { extensionAttributes, USER_STRING_FIELDS } from './create.js';
import { mustReadUser, nextFreeUpn, resolveUser, userResource } from './lookup.js';
import { revokeMfa } from './mfa.js';
import { patchUser } from './profile.js';

const USER_ID = text("the user's object id or user principal name", { minLength: 1 });
const UPN_PATTERN = '^[^@\\s]+@[^@\\s]+$';
const EXTENSIONS = Array.from({ length: 15 }, (_, i) => `extensionAttribute${i + 1}`);
/** Strings, with null (or "" in update_profile) to clear. */
const nullable = (description: string, extra: Partial<ArgSchema> = {}): ArgSchema => ({
  type: ['string', 'null'],
  description,
  ...extra,
});

const idOf = (args: JsonObject) => args.user_id as string;

async function setManager(deps: ProvisionDeps, args: JsonObject, o: OperationOptions) {
  const what = `set_manager of user ${idOf(args)}`;
  const u = await mustReadUser(deps, idOf(args), what, o.signal);
  const uid = String(u.id);
  const wanted = optText(args, 'manager_identifier')?.trim();
  let current: GraphUserRead | undefined;
  try {
    current = await deps.graph.get<GraphUserRead>(`/users/${uid}/manager?$select=id,userPrincipalName,mail`, {
      ...(o.signal ? { signal: o.signal } : {}),
    });
  } catch (err) {
    if (!(err instanceof GraphError && err.kind === 'not_found')) throw provisioningError(what, err);
  }
  const w = new Writes(deps, o);
  if (!wanted) {
    if (!current) return { outcome: 'already_applied' as const, resource: userResource(deps.now(), u) };
    try {
      await w.graph('DELETE', `/users/${uid}/manager/$ref`);
    } catch (err) {
      if (!isAlreadyGone(err)) throw provisioningError(what, err);
    }
    return {
      outcome: 'applied' as const,
      resource: userResource(deps.now(), u),
      detail: { manager_id: null },
    };
  }
  const m = await resolveUser(deps, wanted, `${what}: manager_identifier`, o.signal);
  if (m.id === uid)
    throw new ProvisioningError('INVALID_ARGUMENT', `${what}: a user cannot be their own manager`);
  const done = { resource: userResource(deps.now(), u, m), detail: { manager_id: String(m.id) } };
  if (current?.id === m.id) return { outcome: 'already_applied' as const, ...done };
  // PUT replaces the manager and is safe to resend, so a lost answer needs no re-read.
  await w
    .graph('PUT', `/users/${uid}/manager/$ref`, {
      '@odata.id': `${deps.graphBaseUrl.replace(/\/+$/, '')}/v1.0/users/${String(m.id)}`,
    })
    .catch((err: unknown) => {
      throw provisioningError(what, err);
    });
  return { outcome: 'applied' as const, ...done };
}

async function revokeSessions(deps: ProvisionDeps, args: JsonObject, o: OperationOptions) {
  const what = `revoke_sessions of user ${idOf(args)}`;
  const u = await mustReadUser(deps, idOf(args), what, o.signal);
  const w = new Writes(deps, o);
  const send = () => w.graph('POST', `/users/${String(u.id)}/revokeSignInSessions`);
  try {
    // Revoking twice is revoking once: after a lost answer the request is simply sent again.
    await send().catch((err: unknown) => (answerLost(err) ? send() : Promise.reject(err)));
  } catch (err) {
    throw provisioningError(what, err);
  }
  return { outcome: 'applied' as const, resource: userResource(deps.now(), u) };
}

/** update_profile's fields: "" clears a property (displayName excepted: a user always has one). */
function profileArgs(args: JsonObject): {
  wanted: Record<string, JsonValue>;
  ext: Record<string, string | null>;
} {
  const wanted: Record<string, JsonValue> = {};
  for (const k of PROFILE_FIELDS) {
    const v = args[k];
    if (v !== undefined) wanted[k] = v === '' ? null : v;
  }
  const ext = extensionAttributes(
    Object.fromEntries(Object.entries(args).map(([k, v]) => [k, v === '' ? null : v])),
    '',
  );
  if (Object.keys(wanted).length + Object.keys(ext).length === 0)
    throw new ProvisioningError(
      'INVALID_ARGUMENT',
      'action update_profile: give at least one field to change',
    );
  return { wanted, ext };
}

const PROFILE_FIELDS = [
  'mail',
  'displayName',
  'jobTitle',
  'employeeId',
  'department',
  'companyName',
  'country',
];

/** What update_user may change: the profile, login and mail properties. Account state and passwords have their own operations. */
const UPDATABLE: Record<string, ArgSchema> = {
  ...Object.fromEntries(USER_STRING_FIELDS.map((k) => [k, nullable(k)])),
  displayName: text('display name', { minLength: 1, maxLength: 256 }),
  userPrincipalName: text('new user principal name', { pattern: UPN_PATTERN }),
  mailNickname: text('mail alias', { minLength: 1, maxLength: 64 }),
  employeeId: nullable('employee id', { maxLength: 16 }),
  businessPhones: { type: 'array', items: text('phone number'), maxItems: 1 },
  otherMails: { type: 'array', items: text('email address') },
  onPremisesExtensionAttributes: {
    type: 'object',
    additionalProperties: false,
    properties: Object.fromEntries(EXTENSIONS.map((k) => [k, nullable(k, { maxLength: 1024 })])),
  },
};

export function userActions(deps: ProvisionDeps): ActionDef[] {
  const userOnly = argumentsSchema({ user_id: USER_ID }, ['user_id']);
  return [
    {
      schema: {
        name: 'set_manager',
        displayName: 'Set manager',
        description: "Sets a user's manager (object id, UPN or employee id); an empty manager removes it.",
        arguments: argumentsSchema(
          {
            user_id: USER_ID,
            manager_identifier: text("the manager's object id, UPN or employee id; empty or absent removes"),
          },
          ['user_id'],
        ),
        destructive: false,
      },
      run: (args, o) => setManager(deps, args, o),
    },
    {
      schema: {
        name: 'check_upn',
        displayName: 'Check UPN',
        description:
          'The proposed user principal name if free, else the next free one with a number appended; soft-deleted users count as holders. Reads only.',
        arguments: argumentsSchema(
          { proposed_upn: text('wanted user principal name', { pattern: UPN_PATTERN }) },
          ['proposed_upn'],
        ),
        destructive: false,
      },
      run: async (args, o) => {
        const proposed = args.proposed_upn as string;
        const r = await nextFreeUpn(deps, proposed, o.signal);
        return { outcome: 'applied', detail: { upn: r.upn, proposed_upn: proposed, taken: r.taken } };
      },
    },
    {
      schema: {
        name: 'update_profile',
        displayName: 'Update profile',
        description:
          "Changes a user's profile fields and extension attributes; an empty string clears a field.",
        arguments: argumentsSchema(
          {
            user_id: USER_ID,
            mail: text('primary email address'),
            displayName: text('display name', { minLength: 1, maxLength: 256 }),
            jobTitle: text('job title'),
            employeeId: text('employee id', { maxLength: 16 }),
            department: text('department'),
            companyName: text('company name'),
            country: text('country or region'),
            ...Object.fromEntries(EXTENSIONS.map((k) => [k, text(`on-premises ${k}`, { maxLength: 1024 })])),
          },
          ['user_id'],
        ),
        destructive: false,
      },
      run: (args, o) => {
        const { wanted, ext } = profileArgs(args);
        return patchUser(deps, idOf(args), wanted, ext, `update_profile of user ${idOf(args)}`, o);
      },
    },
    {
      schema: {
        name: 'update_user',
        displayName: 'Update user',
        description: `Changes any of ${Object.keys(UPDATABLE).join(', ')} of a user (null clears). Enabling, disabling and passwords have their own operations.`,
        arguments: argumentsSchema(
          {
            user_id: USER_ID,
            user_profile: { type: 'object', additionalProperties: false, properties: UPDATABLE },
          },
          ['user_id', 'user_profile'],
        ),
        destructive: false,
      },
      run: (args, o) => {
        const { onPremisesExtensionAttributes: ext, ...wanted } = args.user_profile as JsonObject;
        const extPatch = extensionAttributes(
          (ext ?? {}) as Record<string, unknown>,
          'onPremisesExtensionAttributes.',
        );
        if (Object.keys(wanted).length + Object.keys(extPatch).length === 0)
          throw new ProvisioningError(
            'INVALID_ARGUMENT',
            'action update_user: argument user_profile: names nothing to change',
          );
        return patchUser(deps, idOf(args), wanted, extPatch, `update_user of user ${idOf(args)}`, o);
      },
    },
    {
      schema: {
        name: 'enable_user',
        displayName: 'Enable user',
        description: "Enables a user's sign-in (accountEnabled).",
        arguments: userOnly,
        destructive: false,
      },
      run: (args, o) => setAccountEnabled(deps, idOf(args), true, o),
    },
    {
      schema: {
        name: 'disable_user',
        displayName: 'Disable user',
        description: "Blocks a user's sign-in (accountEnabled false).",
        arguments: userOnly,
        destructive: true,
      },
      run: (args, o) => setAccountEnabled(deps, idOf(args), false, o),
    },
    {
      schema: {
        name: 'revoke_sessions',
        displayName: 'Revoke sessions',
        description: "Invalidates a user's refresh tokens and session cookies, forcing sign-in again.",
        arguments: userOnly,
        destructive: true,
      },
      run: (args, o) => revokeSessions(deps, args, o),
    },
    {
      schema: {
        name: 'revoke_mfa',
        displayName: 'Revoke MFA methods',
        description:
          'Deletes every deletable authentication method of a user except the password, and reports counts per method type.',
        arguments: userOnly,
        destructive: true,
      },
      run: (args, o) => revokeMfa(deps, idOf(args), o),
    },
  ];
}
