import type { ImplementationResult, OperationOptions } from '../../framework/capabilities.js';
import { ProvisioningError } from '../../framework/provisioning/requests.js';
import type { JsonObject } from '../../framework/types.js';
import { GraphError } from '../../graph/errors.js';
import { isAlreadyGone, provisioningError, Writes, type ProvisionDeps } from '../shared/writes.js';
import { mustReadUser, userResource } from './lookup.js';

/**
 * Where each deletable method type is deleted; the password method has no delete.
 * https://learn.microsoft.com/graph/api/resources/authenticationmethods-overview
 */
const SEGMENTS: Record<string, string> = {
  phone: 'phoneMethods',
  microsoftAuthenticator: 'microsoftAuthenticatorMethods',
  fido2: 'fido2Methods',
  softwareOath: 'softwareOathMethods',
  email: 'emailMethods',
  temporaryAccessPass: 'temporaryAccessPassMethods',
  windowsHelloForBusiness: 'windowsHelloForBusinessMethods',
  platformCredential: 'platformCredentialMethods',
};

/**
 * The mobile phone's well-known id: it cannot go while an alternate mobile number remains, so it
 * goes last among phones. https://learn.microsoft.com/graph/api/phoneauthenticationmethod-delete
 */
const MOBILE_PHONE_ID = '3179e48a-750b-4051-897c-87b9720928f7';

interface Method {
  kind: string;
  id: string;
}

const kindOf = (odataType: unknown): string =>
  String(odataType ?? '')
    .replace(/^#microsoft\.graph\./, '')
    .replace(/AuthenticationMethod$/, '');

function count(methods: Method[]): JsonObject {
  const out: JsonObject = {};
  for (const m of methods) out[m.kind] = ((out[m.kind] as number | undefined) ?? 0) + 1;
  return out;
}

/**
 * Deletes every deletable authentication method but the password. Graph refuses to delete the
 * user's default MFA method while others remain (400), and which one is the default is only
 * readable in beta, so refused deletes are tried again after the others, for as long as a round
 * deletes something. A method already gone counts as deleted.
 */
export async function revokeMfa(
  deps: ProvisionDeps,
  key: string,
  o: OperationOptions,
): Promise<ImplementationResult> {
  const what = `revoke_mfa of user ${key}`;
  const u = await mustReadUser(deps, key, what, o.signal);
  const uid = String(u.id);
  const all: Method[] = [];
  try {
    const url = `/users/${uid}/authentication/methods`;
    for await (const page of deps.graph.pages<{ id: string; '@odata.type'?: string }>(
      url,
      o.signal ? { signal: o.signal } : {},
    ))
      all.push(...page.value.map((m) => ({ kind: kindOf(m['@odata.type']), id: m.id })));
  } catch (err) {
    throw provisioningError(`${what}: listing its methods`, err);
  }
  const skipped = all.filter((m) => !SEGMENTS[m.kind]);
  let pending = all
    .filter((m) => SEGMENTS[m.kind])
    .sort((a, b) => Number(a.id === MOBILE_PHONE_ID) - Number(b.id === MOBILE_PHONE_ID));
  const detail = (deleted: Method[], failed: Method[]): JsonObject => ({
    deleted: count(deleted),
    skipped: count(skipped),
    deleted_count: deleted.length,
    skipped_count: skipped.length,
    failed_count: failed.length,
  });
  if (pending.length === 0)
    return { outcome: 'already_applied', resource: userResource(deps.now(), u), detail: detail([], []) };
  const w = new Writes(deps, o);
  const remove = (m: Method) => w.graph('DELETE', `/users/${uid}/authentication/${SEGMENTS[m.kind]}/${m.id}`);
  if (o.dryRun) {
    for (const m of pending) await remove(m);
    return { outcome: 'applied', detail: detail(pending, []) };
  }
  const deleted: Method[] = [];
  let refusals: { m: Method; err: GraphError }[];
  for (;;) {
    refusals = [];
    for (const m of pending) {
      try {
        await remove(m);
        deleted.push(m);
      } catch (err) {
        if (isAlreadyGone(err)) deleted.push(m);
        else if (err instanceof GraphError && err.kind === 'bad_request') refusals.push({ m, err });
        else throw provisioningError(`${what}: deleting its ${m.kind} method ${m.id}`, err);
      }
    }
    if (refusals.length === 0 || refusals.length === pending.length) break;
    pending = refusals.map((r) => r.m);
  }
  if (refusals.length > 0) {
    const first = refusals[0]!;
    throw new ProvisioningError(
      'FAILED_PRECONDITION',
      `${what}: deleted ${deleted.length} method(s) (${JSON.stringify(count(deleted))}) but could not delete ${refusals.length} (${JSON.stringify(count(refusals.map((r) => r.m)))}): ${first.err.details.graphMessage ?? first.err.message}`,
      false,
      { cause: first.err },
    );
  }
  return { outcome: 'applied', resource: userResource(deps.now(), u), detail: detail(deleted, []) };
}
