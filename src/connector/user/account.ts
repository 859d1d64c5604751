import type { AccountManager, ImplementationResult, OperationOptions } from '../../framework/capabilities.js';
import { ProvisioningError } from '../../framework/provisioning/requests.js';
import { GraphError } from '../../graph/errors.js';
import { RESOURCE_TYPES } from '../resource-types.js';
import type { GraphUserRead } from './graph.js';
import {
  answerLost,
  isAlreadyGone,
  provisioningError,
  Writes,
  type ProvisionDeps,
} from '../shared/writes.js';
import { createUser } from './create.js';
import { literal, mustReadUser, readUser, userResource } from './lookup.js';

/**
 * `PATCH /users/{id}` `accountEnabled`. The user is read first: one already so is `already_applied`
 * (also on a replay, which finds its own earlier write); a lost answer is settled by reading again.
 */
export async function setAccountEnabled(
  deps: ProvisionDeps,
  id: string,
  enabled: boolean,
  o: OperationOptions,
): Promise<ImplementationResult> {
  const what = `${enabled ? 'enable' : 'disable'} of account user:${id}`;
  const u = await mustReadUser(deps, id, what, o.signal);
  if (u.accountEnabled === enabled)
    return { outcome: 'already_applied', resource: userResource(deps.now(), u) };
  try {
    await new Writes(deps, o).graph('PATCH', `/users/${String(u.id)}`, { accountEnabled: enabled });
  } catch (err) {
    const settled =
      answerLost(err) && (await readUser(deps, String(u.id), o.signal))?.accountEnabled === enabled;
    if (!settled) throw provisioningError(what, err);
  }
  return { outcome: 'applied', resource: userResource(deps.now(), { ...u, accountEnabled: enabled }) };
}

/** Whether the recycle bin holds a user (soft-deleted within the last 30 days). */
async function deletedUser(
  deps: ProvisionDeps,
  id: string,
  signal?: AbortSignal,
): Promise<GraphUserRead | undefined> {
  const page = await deps.graph.get<{ value: GraphUserRead[] }>(
    `/directory/deletedItems/microsoft.graph.user?$filter=id eq ${literal(id)}&$select=id,userPrincipalName,displayName`,
    signal ? { signal } : {},
  );
  return page.value[0];
}

/** `DELETE /users/{id}`: a soft delete, restorable for 30 days. A user already gone is `already_applied`. */
async function deleteUser(
  deps: ProvisionDeps,
  id: string,
  o: OperationOptions,
): Promise<ImplementationResult> {
  const what = `delete of account user:${id}`;
  try {
    const u = await readUser(deps, id, o.signal);
    if (!u) {
      const binned = await deletedUser(deps, id, o.signal);
      return { outcome: 'already_applied', detail: { in_recycle_bin: binned !== undefined } };
    }
    try {
      await new Writes(deps, o).graph('DELETE', `/users/${String(u.id)}`);
    } catch (err) {
      // DELETE is resent after a lost answer; the second attempt then finds the user gone.
      if (!isAlreadyGone(err)) throw err;
    }
    const r = userResource(deps.now(), u);
    return {
      outcome: 'applied',
      resource: { ...r, status: 'deleted', ...(r.user ? { user: { ...r.user, status: 'deleted' } } : {}) },
      detail: { in_recycle_bin: true },
    };
  } catch (err) {
    throw provisioningError(what, err);
  }
}

/**
 * `POST /directory/deletedItems/{id}/restore`. An active user is `already_applied`; a user in
 * neither place was never there or was purged (30 days after deletion, or by hand).
 */
async function restoreUser(
  deps: ProvisionDeps,
  id: string,
  o: OperationOptions,
): Promise<ImplementationResult> {
  const what = `restore of account user:${id}`;
  try {
    const active = await readUser(deps, id, o.signal);
    if (active) return { outcome: 'already_applied', resource: userResource(deps.now(), active) };
    const binned = await deletedUser(deps, id, o.signal);
    if (!binned)
      throw new ProvisioningError(
        'NOT_FOUND',
        `${what}: the recycle bin holds no such user (deleted more than 30 days ago, purged, or never there)`,
      );
    try {
      const restored = await new Writes(deps, o).graph<GraphUserRead>(
        'POST',
        `/directory/deletedItems/${encodeURIComponent(id)}/restore`,
      );
      if (!restored) return { outcome: 'applied' };
    } catch (err) {
      const upn = String(binned.userPrincipalName);
      if (err instanceof GraphError && /already exists/i.test(err.details.graphMessage ?? ''))
        throw new ProvisioningError(
          'FAILED_PRECONDITION',
          `${what}: its userPrincipalName ${upn} is now held by an active user; rename or delete that user first`,
          false,
          { cause: err },
        );
      if (!(answerLost(err) && (await readUser(deps, id, o.signal)))) throw err;
    }
    const u = await readUser(deps, id, o.signal);
    return { outcome: 'applied', ...(u ? { resource: userResource(deps.now(), u) } : {}) };
  } catch (err) {
    throw provisioningError(what, err);
  }
}

/** User accounts: create, enable, disable, delete (soft) and restore. */
export function createUserAccounts(deps: ProvisionDeps): AccountManager {
  return {
    resourceType: RESOURCE_TYPES.user,
    createAccount: (info, credential, o) => createUser(deps, info, credential.password, o),
    enableAccount: (id, o) => setAccountEnabled(deps, id, true, o),
    disableAccount: (id, o) => setAccountEnabled(deps, id, false, o),
    deleteAccount: (id, o) => deleteUser(deps, id, o),
    restoreAccount: (id, o) => restoreUser(deps, id, o),
  };
}
