/**
 * Applications and service principals: Microsoft first-party apps, the tenant's own app
 * registrations (with secrets and certificates at every stage of life), third-party gallery apps,
 * managed identities, and the two clients the simulator's token endpoint knows (a confidential
 * client for the connector and a public client for ROPC).
 */
import {
  EXCHANGE_APP_ID,
  FIRST_PARTY_APPS,
  GALLERY_APPS,
  GRAPH_APP_ID,
  MICROSOFT_TENANT_ID,
} from './catalog-apps.js';
import { type GenContext, DAY_MS, daysAgo, randomPast } from './gen-context.js';
import { isoSeconds } from './ids.js';
import type {
  AppRole,
  ApplicationRecord,
  Guid,
  KeyCredential,
  PasswordCredential,
  ServicePrincipalRecord,
} from './model.js';

export const FIRST_PARTY_COUNT = FIRST_PARTY_APPS.length;
/** Application 0 is the confidential client, 1 the public client. */
export const MIN_APPLICATIONS = 4;

export interface ClientSecrets {
  confidential: {
    clientId: Guid;
    clientSecret: string;
    keyId: Guid;
    endDateTime: string;
    applicationObjectId: Guid;
    spId: Guid;
  };
  publicClient: { clientId: Guid; applicationObjectId: Guid; spId: Guid };
}

export function generateApps(ctx: GenContext): ClientSecrets {
  const { size, ids } = ctx;
  for (const app of FIRST_PARTY_APPS) {
    const sp = servicePrincipal(
      ctx,
      app.appId,
      app.displayName,
      app.appRoles,
      'Application',
      MICROSOFT_TENANT_ID,
    );
    sp.servicePrincipalNames = app.servicePrincipalNames.length > 0 ? app.servicePrincipalNames : [app.appId];
    sp.appRoleAssignmentRequired = false;
    ctx.tenant.createServicePrincipal(sp);
    if (app.appId === GRAPH_APP_ID) ids.graphSpId = sp.id;
    if (app.appId === EXCHANGE_APP_ID) ids.exchangeSpId = sp.id;
  }
  const slots = size.servicePrincipals - FIRST_PARTY_COUNT - size.managedIdentities;
  const withSp = Math.min(size.applications, slots);
  let secrets: ClientSecrets | undefined;
  const pub: Partial<ClientSecrets['publicClient']> = {};
  for (let k = 0; k < size.applications; k++) {
    const { app, secret } = application(ctx, k);
    ctx.tenant.createApplication(app);
    let spId: Guid | undefined;
    if (k < withSp) {
      const sp = servicePrincipal(
        ctx,
        app.appId,
        app.displayName,
        app.appRoles,
        'Application',
        ctx.tenant.tenantId,
      );
      ctx.tenant.createServicePrincipal(sp);
      ids.appSps.push(sp.id);
      if (k >= 2) ids.assignableSps.push(sp.id);
      spId = sp.id;
      if (k >= 2 && ctx.rng.chance(0.5)) ctx.tenant.addOwner(sp.id, ctx.rng.pick(ids.admins));
    }
    if (k >= 2 && ctx.rng.chance(0.6)) ctx.tenant.addOwner(app.id, ctx.rng.pick(ids.admins));
    if (k === 0 && secret)
      secrets = {
        confidential: { ...secret, applicationObjectId: app.id, spId: spId as Guid },
        publicClient: {} as never,
      };
    if (k === 1) Object.assign(pub, { clientId: app.appId, applicationObjectId: app.id, spId: spId as Guid });
  }
  for (let k = withSp; k < slots; k++) galleryApp(ctx, k - withSp);
  for (let k = 0; k < size.managedIdentities; k++) managedIdentity(ctx, k);
  // A service principal owned by another (the connector's client owns one of the tenant's apps).
  if (ids.appSps.length > 2) ctx.tenant.addOwner(ids.appSps[2] as Guid, ids.appSps[0] as Guid);
  if (!secrets) throw new Error('generator: the confidential client was not created');
  return { confidential: secrets.confidential, publicClient: pub as ClientSecrets['publicClient'] };
}

function servicePrincipal(
  ctx: GenContext,
  appId: Guid,
  displayName: string,
  appRoles: AppRole[],
  type: ServicePrincipalRecord['servicePrincipalType'],
  owner: Guid | null,
): ServicePrincipalRecord {
  const { rng } = ctx;
  return {
    id: rng.guid(),
    appId,
    appDisplayName: displayName,
    displayName,
    description: null,
    accountEnabled: true,
    appOwnerOrganizationId: owner,
    appRoleAssignmentRequired: type === 'Application' && rng.chance(0.4),
    appRoles,
    homepage: null,
    info: {
      logoUrl: null,
      marketingUrl: null,
      privacyStatementUrl: null,
      supportUrl: null,
      termsOfServiceUrl: null,
    },
    servicePrincipalType: type,
    servicePrincipalNames: [appId],
    signInAudience: type === 'ManagedIdentity' ? null : 'AzureADMyOrg',
    tags: type === 'Application' ? ['WindowsAzureActiveDirectoryIntegratedApp'] : [],
    createdDateTime: randomPast(ctx, 1200, 5),
    alternativeNames: [],
    preferredSingleSignOnMode: null,
    passwordCredentials: [],
    keyCredentials: [],
  };
}

function roles(ctx: GenContext, names: readonly string[], kinds: AppRole['allowedMemberTypes'][]): AppRole[] {
  return names.map((name, j) => ({
    id: ctx.rng.guid(),
    allowedMemberTypes: kinds[j % kinds.length] as AppRole['allowedMemberTypes'],
    description: `${name} access`,
    displayName: name,
    isEnabled: true,
    origin: 'Application',
    value: name.replace(/[^A-Za-z0-9.]+/g, '.'),
  }));
}

function application(
  ctx: GenContext,
  k: number,
): { app: ApplicationRecord; secret?: Omit<ClientSecrets['confidential'], 'applicationObjectId' | 'spId'> } {
  const { rng } = ctx;
  const appId = rng.guid();
  const name =
    k === 0 ? 'Identity Sync Connector' : k === 1 ? 'Directory Sign-in (public client)' : `Internal App ${k}`;
  const appRoles =
    k < 2 || k % 3 === 0
      ? []
      : roles(ctx, ['Reader', 'Writer', 'Approver'].slice(0, 1 + (k % 3)), [
          ['User'],
          ['Application'],
          ['User', 'Application'],
        ]);
  const passwordCredentials: PasswordCredential[] = [];
  const keyCredentials: KeyCredential[] = [];
  let secret: Omit<ClientSecrets['confidential'], 'applicationObjectId' | 'spId'> | undefined;
  if (k === 0) {
    // Entra client secrets: 40 characters, the fourth being '~' after a 3-character hint.
    const value = `${rng.hex(3)}8Q~${Buffer.from(rng.bytes(28)).toString('base64url').slice(0, 34)}`;
    const endDateTime = isoSeconds(ctx.base + 365 * DAY_MS);
    const keyId = rng.guid();
    passwordCredentials.push(
      passwordCredential(keyId, 'sync connector', value.slice(0, 3), daysAgo(ctx, 30), endDateTime),
    );
    secret = { clientId: appId, clientSecret: value, keyId, endDateTime };
  } else if (k >= 2) {
    // Credentials at every stage: expired, expiring within 30 days, long-lived, none.
    const stage = k % 4;
    const end =
      stage === 0
        ? -rng.int(1, 200)
        : stage === 1
          ? rng.int(1, 29)
          : stage === 2
            ? rng.int(300, 720)
            : undefined;
    if (end !== undefined)
      passwordCredentials.push(
        passwordCredential(rng.guid(), `secret ${k}`, rng.hex(3), daysAgo(ctx, 365), daysAgo(ctx, -end)),
      );
    if (k % 5 === 2) {
      keyCredentials.push({
        keyId: rng.guid(),
        displayName: `CN=app${k}`,
        type: 'AsymmetricX509Cert',
        usage: 'Verify',
        startDateTime: daysAgo(ctx, 400),
        endDateTime: daysAgo(ctx, k % 2 === 0 ? -rng.int(1, 25) : -rng.int(100, 700)),
        // Edm.Binary: the certificate's SHA-1 thumbprint, base64 in JSON.
        customKeyIdentifier: Buffer.from(rng.hex(40), 'hex').toString('base64'),
        key: null,
      });
    }
  }
  const app: ApplicationRecord = {
    id: rng.guid(),
    appId,
    displayName: name,
    description: null,
    signInAudience: 'AzureADMyOrg',
    createdDateTime: randomPast(ctx, 900, 31),
    appRoles,
    passwordCredentials,
    keyCredentials,
    identifierUris: appRoles.length > 0 ? [`api://${appId}`] : [],
    publisherDomain: ctx.customDomain,
  };
  return secret ? { app, secret } : { app };
}

function passwordCredential(
  keyId: Guid,
  displayName: string,
  hint: string,
  start: string,
  end: string,
): PasswordCredential {
  return {
    keyId,
    displayName,
    hint,
    startDateTime: start,
    endDateTime: end,
    customKeyIdentifier: null,
    secretText: null,
  };
}

function galleryApp(ctx: GenContext, k: number): void {
  const { rng } = ctx;
  const spec = GALLERY_APPS[k % GALLERY_APPS.length] as (typeof GALLERY_APPS)[number];
  const name =
    k < GALLERY_APPS.length
      ? spec.displayName
      : `${spec.displayName} (${Math.floor(k / GALLERY_APPS.length) + 1})`;
  const sp = servicePrincipal(
    ctx,
    rng.guid(),
    name,
    roles(ctx, spec.roles, [['User']]),
    'Application',
    rng.guid(),
  );
  sp.homepage = spec.homepage;
  sp.preferredSingleSignOnMode = 'saml';
  sp.signInAudience = 'AzureADMultipleOrgs';
  ctx.tenant.createServicePrincipal(sp);
  ctx.ids.assignableSps.push(sp.id);
  if (rng.chance(0.5)) ctx.tenant.addOwner(sp.id, rng.pick(ctx.ids.admins));
}

function managedIdentity(ctx: GenContext, k: number): void {
  const { rng } = ctx;
  const sub = rng.guid();
  const name = `mi-workload-${k}`;
  const sp = servicePrincipal(ctx, rng.guid(), name, [], 'ManagedIdentity', null);
  sp.alternativeNames = [
    `isExplicit=${k % 2 === 0 ? 'True' : 'False'}`,
    `/subscriptions/${sub}/resourcegroups/rg-${k}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/${name}`,
  ];
  sp.servicePrincipalNames = [sp.appId, `https://identity.azure.net/${rng.hex(43)}`];
  ctx.tenant.createServicePrincipal(sp);
  ctx.ids.managedIdentities.push(sp.id);
}
