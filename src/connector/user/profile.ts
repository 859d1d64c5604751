import type { ImplementationResult, OperationOptions } from '../../framework/capabilities.js';
import type { JsonValue } from '../../framework/types.js';
import type { GraphUserRead } from './graph.js';
import { answerLost, provisioningError, Writes, type ProvisionDeps } from '../shared/writes.js';
import { ProvisioningError } from '../../framework/provisioning/requests.js';
import { GraphError } from '../../graph/errors.js';
import { readUser, USER_SELECT, userResource } from './lookup.js';

export type ExtensionPatch = Record<string, string | null>;

const same = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

/** The properties that differ from the user's, and the extension attributes that do. */
function changes(
  u: GraphUserRead,
  wanted: Record<string, JsonValue>,
  ext: ExtensionPatch,
): Record<string, JsonValue> {
  const patch: Record<string, JsonValue> = {};
  for (const [k, v] of Object.entries(wanted)) if (!same(u[k], v)) patch[k] = v;
  const current = (u.onPremisesExtensionAttributes ?? {}) as Record<string, unknown>;
  const extPatch = Object.fromEntries(Object.entries(ext).filter(([k, v]) => !same(current[k], v)));
  // Graph merges the extension attributes named and leaves the others as they are.
  // https://learn.microsoft.com/graph/api/resources/onpremisesextensionattributes
  if (Object.keys(extPatch).length) patch.onPremisesExtensionAttributes = extPatch;
  return patch;
}

/**
 * `PATCH /users/{id}` with only what differs: nothing differing is `already_applied` (so a replay
 * reports rather than rewrites), and a lost answer is settled by reading the user again. An
 * on-premises-synced user refuses cloud changes; Graph's words say so.
 */
export async function patchUser(
  deps: ProvisionDeps,
  key: string,
  wanted: Record<string, JsonValue>,
  ext: ExtensionPatch,
  what: string,
  o: OperationOptions,
): Promise<ImplementationResult> {
  const select = [...new Set([...USER_SELECT.split(','), ...Object.keys(wanted)])].join(',');
  const read = async (k: string) =>
    deps.graph.get<GraphUserRead>(
      `/users/${encodeURIComponent(k)}?$select=${select}`,
      o.signal ? { signal: o.signal } : {},
    );
  try {
    const u = await read(key).catch((err: unknown) => {
      if (err instanceof GraphError && err.kind === 'not_found')
        throw new ProvisioningError('NOT_FOUND', `${what}: no user ${key}`);
      throw err;
    });
    const patch = changes(u, wanted, ext);
    const fields = Object.keys(patch).flatMap((k) =>
      k === 'onPremisesExtensionAttributes' ? Object.keys(patch[k] as object) : [k],
    );
    if (fields.length === 0) return { outcome: 'already_applied', resource: userResource(deps.now(), u) };
    try {
      await new Writes(deps, o).graph('PATCH', `/users/${String(u.id)}`, patch);
    } catch (err) {
      const now = answerLost(err) ? await readUser(deps, String(u.id), o.signal) : undefined;
      if (!now || Object.keys(changes(now, wanted, ext)).length > 0) throw err;
    }
    if (o.dryRun) return { outcome: 'applied', detail: { changed: fields } };
    const after = await read(String(u.id));
    return { outcome: 'applied', resource: userResource(deps.now(), after), detail: { changed: fields } };
  } catch (err) {
    throw provisioningError(what, err);
  }
}
