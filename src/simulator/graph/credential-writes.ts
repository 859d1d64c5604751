/**
 * Client secrets of app registrations and service principals: `addPassword` returns the generated
 * secret once (`secretText`); reads only ever show its first three characters (`hint`).
 * `removePassword` takes the keyId. A secret added to a registered client's application signs in
 * at the token endpoint straight away, and a removed one stops working.
 * https://learn.microsoft.com/graph/api/application-addpassword
 * https://learn.microsoft.com/graph/api/application-removepassword
 * https://learn.microsoft.com/graph/api/serviceprincipal-addpassword
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { SimContext } from '../context.js';
import { json, noContent } from '../http/message.js';
import { isoSeconds } from '../tenant/ids.js';
import type { Guid, PasswordCredential } from '../tenant/model.js';
import { notFound } from './directory.js';
import { PERMS } from './permissions.js';
import { route, type GraphRequest, type GraphRoute } from './route.js';
import { apply, badRequest, body } from './write-support.js';

/** Without an endDateTime, a secret is valid for two years from its start. */
const DEFAULT_VALIDITY_MS = 2 * 365 * 86_400_000;

type Owner = 'applications' | 'servicePrincipals';

function ownerCredentials(ctx: SimContext, set: Owner, id: Guid): PasswordCredential[] {
  const o = set === 'applications' ? ctx.store.applications.get(id) : ctx.store.servicePrincipals.get(id);
  if (!o) throw notFound(id);
  return o.passwordCredentials;
}

function save(ctx: SimContext, set: Owner, id: Guid, passwordCredentials: PasswordCredential[]): void {
  apply(() =>
    set === 'applications'
      ? ctx.store.updateApplication(id, { passwordCredentials })
      : ctx.store.updateServicePrincipal(id, { passwordCredentials }),
  );
}

/** The token endpoint's registration of the application, if it is one of the simulator's clients. */
function clientOf(ctx: SimContext, set: Owner, id: Guid) {
  if (set !== 'applications') return undefined;
  return [...ctx.store.clients.values()].find((c) => c.applicationObjectId === id);
}

function date(v: unknown, field: string): number | undefined {
  if (v === undefined || v === null) return undefined;
  const ms = typeof v === 'string' ? Date.parse(v) : NaN;
  if (Number.isNaN(ms)) throw badRequest(`Invalid value for '${field}': expected an ISO 8601 date-time.`);
  return ms;
}

function addPassword(ctx: SimContext, req: GraphRequest, set: Owner, id: Guid) {
  const existing = ownerCredentials(ctx, set, id);
  const b = req.body.length > 0 ? body(req) : {};
  const spec = (b.passwordCredential ?? {}) as Record<string, unknown>;
  const start = date(spec.startDateTime, 'startDateTime') ?? ctx.clock.now();
  const end = date(spec.endDateTime, 'endDateTime') ?? start + DEFAULT_VALIDITY_MS;
  if (end <= start) throw badRequest('The endDateTime must be later than the startDateTime.');
  // Entra secrets: 40 characters, the hint (first three) followed by a version marker and '~'.
  const secretText = `${randomBytes(2).toString('hex').slice(0, 3)}8Q~${randomBytes(26).toString('base64url').slice(0, 34)}`;
  const cred: PasswordCredential = {
    keyId: randomUUID(),
    displayName: typeof spec.displayName === 'string' ? spec.displayName : null,
    hint: secretText.slice(0, 3),
    startDateTime: isoSeconds(start),
    endDateTime: isoSeconds(end),
    customKeyIdentifier: null,
    secretText: null,
  };
  save(ctx, set, id, [...existing, cred]);
  const client = clientOf(ctx, set, id);
  if (client)
    ctx.store.updateClient(client.clientId, {
      secrets: [...client.secrets, { keyId: cred.keyId, value: secretText, endDateTime: cred.endDateTime }],
    });
  return json(200, {
    '@odata.context': `${ctx.origin}/${req.version}/$metadata#microsoft.graph.passwordCredential`,
    ...cred,
    secretText,
  });
}

function removePassword(ctx: SimContext, req: GraphRequest, set: Owner, id: Guid) {
  const existing = ownerCredentials(ctx, set, id);
  const keyId = body(req).keyId;
  if (typeof keyId !== 'string')
    throw badRequest("'keyId' is required: the keyId of the password to remove.");
  if (!existing.some((c) => c.keyId === keyId))
    throw badRequest(`No password credential with keyId '${keyId}' exists on this object.`);
  save(
    ctx,
    set,
    id,
    existing.filter((c) => c.keyId !== keyId),
  );
  const client = clientOf(ctx, set, id);
  if (client)
    ctx.store.updateClient(client.clientId, { secrets: client.secrets.filter((s) => s.keyId !== keyId) });
  return noContent();
}

export const credentialWrites: GraphRoute[] = (['applications', 'servicePrincipals'] as const).flatMap(
  (set) => [
    route('POST', `/${set}/{id}/addPassword`, PERMS.appWrite, (ctx, req, [id]) =>
      addPassword(ctx, req, set, id as Guid),
    ),
    route('POST', `/${set}/{id}/removePassword`, PERMS.appWrite, (ctx, req, [id]) =>
      removePassword(ctx, req, set, id as Guid),
    ),
  ],
);
