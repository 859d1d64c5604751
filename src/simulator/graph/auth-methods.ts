/**
 * Users' authentication methods: `GET /users/{id}/authentication/methods`, the per-type lists, and
 * the per-type deletes. The password method cannot be deleted (no such operation: 405); a phone's
 * mobile number cannot go while an alternate mobile number remains; the user's default MFA method
 * cannot go while other methods remain.
 * https://learn.microsoft.com/graph/api/resources/authenticationmethods-overview
 * https://learn.microsoft.com/graph/api/phoneauthenticationmethod-delete
 *
 * A user's methods are made the first time they are asked for, from a hash of the tenant and user
 * ids, so the same tenant always shows the same methods and generating a tenant draws nothing
 * for them (its records stay as they were).
 */
import { createHash } from 'node:crypto';
import type { SimContext } from '../context.js';
import { json, noContent } from '../http/message.js';
import { guidFromBytes, isoSeconds } from '../tenant/ids.js';
import type { Guid, UserRecord } from '../tenant/model.js';
import { audit, target as auditTarget } from './audit.js';
import { findUser, notFound } from './directory.js';
import { PERMS } from './permissions.js';
import { route, type GraphRequest, type GraphRoute } from './route.js';
import { badRequest } from './write-support.js';

export type MethodKind =
  | 'password'
  | 'phone'
  | 'microsoftAuthenticator'
  | 'fido2'
  | 'softwareOath'
  | 'email'
  | 'temporaryAccessPass'
  | 'windowsHelloForBusiness';

export interface AuthMethod {
  kind: MethodKind;
  id: string;
  /** The method's properties besides `id`, as Graph returns them. */
  props: Record<string, unknown>;
}

export interface UserMethods {
  methods: AuthMethod[];
  /**
   * The default MFA method (`userPreferredMethodForSecondaryAuthentication` of signInPreferences):
   * push, oath, sms, voiceMobile, voiceAlternateMobile or voiceOffice; null when none is set.
   */
  preferred: string | null;
}

/** URL segment and `@odata.type` of each kind. */
const KINDS: Record<MethodKind, { segment: string; type: string }> = {
  password: { segment: 'passwordMethods', type: 'passwordAuthenticationMethod' },
  phone: { segment: 'phoneMethods', type: 'phoneAuthenticationMethod' },
  microsoftAuthenticator: {
    segment: 'microsoftAuthenticatorMethods',
    type: 'microsoftAuthenticatorAuthenticationMethod',
  },
  fido2: { segment: 'fido2Methods', type: 'fido2AuthenticationMethod' },
  softwareOath: { segment: 'softwareOathMethods', type: 'softwareOathAuthenticationMethod' },
  email: { segment: 'emailMethods', type: 'emailAuthenticationMethod' },
  temporaryAccessPass: {
    segment: 'temporaryAccessPassMethods',
    type: 'temporaryAccessPassAuthenticationMethod',
  },
  windowsHelloForBusiness: {
    segment: 'windowsHelloForBusinessMethods',
    type: 'windowsHelloForBusinessAuthenticationMethod',
  },
};

/** Well-known ids: the password method, each phone type, the email method. */
export const PASSWORD_METHOD_ID = '28c10230-6103-485e-b985-444c60001490';
const PHONE_IDS = {
  mobile: '3179e48a-750b-4051-897c-87b9720928f7',
  alternateMobile: 'b6332ec1-7057-4abe-9331-3d72feddfe41',
  office: 'e37fc753-ff3b-4958-9484-eaa9425c82bc',
} as const;
const EMAIL_METHOD_ID = '3ddfcfc8-9383-446f-83cc-3ab9be4be18f';

/** Which method each default (preferred secondary method) names. */
function isDefault(m: AuthMethod, preferred: string | null): boolean {
  if (preferred === null) return false;
  if (preferred === 'push') return m.kind === 'microsoftAuthenticator';
  if (preferred === 'oath') return m.kind === 'softwareOath';
  if (m.kind !== 'phone') return false;
  if (preferred === 'sms' || preferred === 'voiceMobile') return m.id === PHONE_IDS.mobile;
  if (preferred === 'voiceAlternateMobile') return m.id === PHONE_IDS.alternateMobile;
  return preferred === 'voiceOffice' && m.id === PHONE_IDS.office;
}

/** A deterministic byte stream for one user. */
function bytesFor(ctx: SimContext, userId: Guid): () => number {
  let block = 0;
  let buf = Buffer.alloc(0);
  let at = 0;
  return () => {
    if (at >= buf.length) {
      buf = createHash('sha256').update(`${ctx.store.tenantId}|${userId}|auth|${block++}`).digest();
      at = 0;
    }
    return buf[at++] as number;
  };
}

function guidFrom(next: () => number): Guid {
  const b = Uint8Array.from({ length: 16 }, () => next());
  b[6] = ((b[6] as number) & 0x0f) | 0x40;
  b[8] = ((b[8] as number) & 0x3f) | 0x80;
  return guidFromBytes(b);
}

const DEVICES = ['iPhone 15', 'Pixel 8', 'Galaxy S24', 'iPhone 13', 'Surface Duo'];
const KEYS = [
  { model: 'YubiKey 5 NFC', aaGuid: '2fc0579f-8113-47ea-b116-bb5a8db9202a' },
  { model: 'YubiKey 5Ci', aaGuid: 'c5ef55ff-ad9a-4b9f-b580-adebafe026d0' },
  { model: 'Feitian ePass FIDO2', aaGuid: '833b721a-ff5f-4d00-bb2e-bdda3ec01e29' },
];

/**
 * A user's methods as first seen. Members have a password (guests sign in at home: none here);
 * a user known to need MFA has the Authenticator app at least, a known password-only user has
 * nothing else, and the rest get a spread drawn from the hash.
 */
function initialMethods(ctx: SimContext, user: UserRecord): UserMethods {
  if (user.userType === 'Guest') return { methods: [], preferred: null };
  const next = bytesFor(ctx, user.id);
  const created = (days: number) => isoSeconds(Date.parse(user.createdDateTime) + days * 86_400_000);
  const methods: AuthMethod[] = [
    { kind: 'password', id: PASSWORD_METHOD_ID, props: { password: null, createdDateTime: null } },
  ];
  const creds = ctx.store.userCredentials.get(user.id);
  const shape = creds ? (creds.mfaRequired ? 2 : 0) : next() % 4;
  let preferred: string | null = null;
  const phone = (type: keyof typeof PHONE_IDS, number: string) =>
    methods.push({
      kind: 'phone',
      id: PHONE_IDS[type],
      props: { phoneNumber: number, phoneType: type, smsSignInState: 'notAllowedByPolicy' },
    });
  const digits = () => String(1_000_000 + ((next() << 8) | next()) * 13).slice(-7);
  if (shape >= 1) {
    phone('mobile', user.mobilePhone ?? `+1 555${digits()}`);
    preferred = 'sms';
    if (next() % 3 === 0) phone('alternateMobile', `+1 555${digits()}`);
  }
  if (shape >= 2) {
    methods.push({
      kind: 'microsoftAuthenticator',
      id: guidFrom(next),
      props: {
        displayName: DEVICES[next() % DEVICES.length],
        deviceTag: 'SoftwareTokenActivated',
        phoneAppVersion: '6.2401.0119',
        createdDateTime: created(3),
      },
    });
    preferred = 'push';
  }
  if (shape >= 3) {
    const key = KEYS[next() % KEYS.length] as (typeof KEYS)[number];
    methods.push({
      kind: 'fido2',
      id: Buffer.from(Array.from({ length: 24 }, () => next())).toString('base64url'),
      props: {
        displayName: key.model,
        createdDateTime: created(10),
        aaGuid: key.aaGuid,
        model: key.model,
        attestationCertificates: [],
        attestationLevel: 'attested',
      },
    });
    methods.push({ kind: 'softwareOath', id: guidFrom(next), props: { secretKey: null } });
  }
  const other = user.otherMails[0];
  if (other && shape >= 1 && next() % 2 === 0)
    methods.push({ kind: 'email', id: EMAIL_METHOD_ID, props: { emailAddress: other } });
  if (shape >= 1 && next() % 5 === 0)
    methods.push({
      kind: 'windowsHelloForBusiness',
      id: Buffer.from(Array.from({ length: 18 }, () => next())).toString('base64url'),
      props: {
        displayName: `DESKTOP-${next().toString(16).toUpperCase()}${next()}`,
        createdDateTime: created(1),
        keyStrength: 'normal',
      },
    });
  return { methods, preferred };
}

function methodsOf(ctx: SimContext, key: string): { user: UserRecord; m: UserMethods } {
  const user = findUser(ctx, key);
  if (!user) throw notFound(key);
  let m = ctx.state.authMethods.get(user.id);
  if (!m) {
    m = initialMethods(ctx, user);
    ctx.state.authMethods.set(user.id, m);
  }
  return { user, m };
}

function shape(m: AuthMethod): Record<string, unknown> {
  return { '@odata.type': `#microsoft.graph.${KINDS[m.kind].type}`, id: m.id, ...m.props };
}

function list(ctx: SimContext, req: GraphRequest, key: string, kind?: MethodKind) {
  const { user, m } = methodsOf(ctx, key);
  const items = m.methods.filter((x) => kind === undefined || x.kind === kind);
  const path = kind ? KINDS[kind].segment : 'methods';
  return json(200, {
    '@odata.context': `${ctx.origin}/${req.version}/$metadata#users('${user.id}')/authentication/${path}`,
    value: items.map(shape),
  });
}

function deleteMethod(ctx: SimContext, req: GraphRequest, key: string, kind: MethodKind, id: string) {
  const { user, m } = methodsOf(ctx, key);
  const method = m.methods.find((x) => x.kind === kind && x.id === id);
  if (!method) throw notFound(id);
  // "A user can't have an alternateMobile number without a mobile number."
  if (
    kind === 'phone' &&
    id === PHONE_IDS.mobile &&
    m.methods.some((x) => x.id === PHONE_IDS.alternateMobile)
  )
    throw badRequest(
      "A user can't have an alternateMobile number without a mobile number. Update the mobile number, or delete the alternateMobile number first.",
    );
  // "If the phone number is the user's default Azure multi-factor authentication (MFA)
  // authentication method, it can't be deleted." Held for any default while others remain.
  const others = m.methods.filter((x) => x !== method && x.kind !== 'password');
  if (isDefault(method, m.preferred) && others.length > 0)
    throw badRequest(
      "This method is the user's default multi-factor authentication method and can't be deleted while the user has other methods. Change the default method first.",
    );
  if (isDefault(method, m.preferred)) m.preferred = null;
  m.methods = m.methods.filter((x) => x !== method);
  audit(ctx, req, 'Admin deleted security info', 'UserManagement', [
    auditTarget(ctx, user.id, [
      {
        displayName: 'StrongAuthenticationMethod',
        oldValue: JSON.stringify(KINDS[kind].type),
        newValue: null,
      },
    ]),
  ]);
  return noContent();
}

const kinds = Object.keys(KINDS) as MethodKind[];

export const authMethodRoutes: GraphRoute[] = [
  route('GET', '/users/{id}/authentication/methods', PERMS.authMethods, (ctx, req, [id]) =>
    list(ctx, req, id as string),
  ),
  route('GET', '/users/{id}/authentication/methods/{method}', PERMS.authMethods, (ctx, req, [id, mid]) => {
    const { user, m } = methodsOf(ctx, id as string);
    const method = m.methods.find((x) => x.id === mid);
    if (!method) throw notFound(mid as string);
    return json(200, {
      '@odata.context': `${ctx.origin}/${req.version}/$metadata#users('${user.id}')/authentication/methods/$entity`,
      ...shape(method),
    });
  }),
  // The default method, as the beta signInPreferences resource names it.
  // https://learn.microsoft.com/graph/api/authentication-get-signinpreferences
  route('GET', '/users/{id}/authentication/signInPreferences', PERMS.authMethods, (ctx, req, [id]) => {
    const { m } = methodsOf(ctx, id as string);
    return json(200, {
      '@odata.context': `${ctx.origin}/${req.version}/$metadata#microsoft.graph.signInPreferences`,
      isSystemPreferredAuthenticationMethodEnabled: false,
      userPreferredMethodForSecondaryAuthentication: m.preferred,
      systemPreferredAuthenticationMethod: null,
    });
  }),
  ...kinds.flatMap((kind) => {
    const seg = KINDS[kind].segment;
    const routes: GraphRoute[] = [
      route('GET', `/users/{id}/authentication/${seg}`, PERMS.authMethods, (ctx, req, [id]) =>
        list(ctx, req, id as string, kind),
      ),
      route('GET', `/users/{id}/authentication/${seg}/{method}`, PERMS.authMethods, (ctx, req, [id, mid]) => {
        const { user, m } = methodsOf(ctx, id as string);
        const method = m.methods.find((x) => x.kind === kind && x.id === mid);
        if (!method) throw notFound(mid as string);
        return json(200, {
          '@odata.context': `${ctx.origin}/${req.version}/$metadata#users('${user.id}')/authentication/${seg}/$entity`,
          ...shape(method),
        });
      }),
    ];
    // The password method has no delete (a reset goes through passwordMethods/{id}/resetPassword).
    if (kind !== 'password')
      routes.push(
        route(
          'DELETE',
          `/users/{id}/authentication/${seg}/{method}`,
          PERMS.authMethodsWrite,
          (ctx, req, [id, mid]) => deleteMethod(ctx, req, id as string, kind, mid as string),
        ),
      );
    return routes;
  }),
];
