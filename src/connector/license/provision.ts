import type {
  EntitlementRef,
  ImplementationResult,
  OperationOptions,
  ResourceProvisioner,
} from '../../framework/capabilities.js';
import { grantId } from '../../framework/ids.js';
import { ProvisioningError } from '../../framework/provisioning/requests.js';
import type { Principal } from '../../framework/types.js';
import { GraphError } from '../../graph/errors.js';
import { RESOURCE_TYPES } from '../resource-types.js';
import { answerLost, provisioningError, Writes, type ProvisionDeps } from '../shared/writes.js';

interface LicensedUser {
  id: string;
  userPrincipalName?: string;
  usageLocation?: string | null;
  assignedLicenses?: { skuId: string }[];
}
interface Sku {
  skuId: string;
  skuPartNumber?: string;
  consumedUnits?: number;
  prepaidUnits?: { enabled?: number; warning?: number };
}

const USER_SELECT = 'id,userPrincipalName,usageLocation,assignedLicenses';

/**
 * Graph's own words for the two refusals a caller must fix (user-assignlicense): no usage
 * location, and no units left. Matched so that a race with a change made elsewhere still reads
 * clearly. https://learn.microsoft.com/graph/api/user-assignlicense
 */
const NO_USAGE_LOCATION = /usage location/i;
const NO_UNITS = /does not have any available licenses/i;

/**
 * License assignment (`license:<skuId>:assigned`) through `POST /users/{id}/assignLicense`.
 * Users only: the entitlement is grantable to users, and group-based licensing (`/groups/{id}/
 * assignLicense`) would license every member by inheritance, which the snapshot does not show
 * as grants of the group. assignLicense is itself idempotent, so the user's `assignedLicenses`
 * is read first to tell an assignment made now from one already there.
 */
export function createLicenseProvisioner(deps: ProvisionDeps): ResourceProvisioner {
  const opts = (signal?: AbortSignal) => (signal ? { signal } : {});

  function check(e: EntitlementRef, p: Principal): string {
    if (e.slug !== 'assigned')
      throw new ProvisioningError(
        'INVALID_ARGUMENT',
        `entitlement ${e.id}: a license offers assigned, not "${e.slug}"`,
      );
    if (p.type !== 'user')
      throw new ProvisioningError(
        'INVALID_ARGUMENT',
        `principal ${p.type}:${p.id}: licenses are assigned to users (group-based licensing is managed in the group's license settings)`,
      );
    return e.resource.resource.toLowerCase();
  }

  const readUser = (id: string, signal?: AbortSignal) =>
    deps.graph.get<LicensedUser>(`/users/${encodeURIComponent(id)}?$select=${USER_SELECT}`, opts(signal));
  const holds = (u: LicensedUser, skuId: string) =>
    (u.assignedLicenses ?? []).some((l) => l.skuId.toLowerCase() === skuId);

  async function sku(skuId: string, signal?: AbortSignal): Promise<Sku> {
    const res = await deps.graph.get<{ value: Sku[] }>(
      '/subscribedSkus?$select=skuId,skuPartNumber,consumedUnits,prepaidUnits',
      opts(signal),
    );
    const s = res.value.find((x) => x.skuId.toLowerCase() === skuId);
    if (!s)
      throw new ProvisioningError('NOT_FOUND', `license ${skuId} is not one of the tenant's subscribed SKUs`);
    return s;
  }

  function refusal(err: unknown, u: LicensedUser, s: Sku): ProvisioningError | undefined {
    if (!(err instanceof GraphError) || err.details.status !== 400) return undefined;
    const words = err.details.graphMessage ?? '';
    if (NO_USAGE_LOCATION.test(words)) return noUsageLocation(u, err);
    if (NO_UNITS.test(words)) return noUnits(s, err);
    return undefined;
  }

  async function change(
    e: EntitlementRef,
    p: Principal,
    o: OperationOptions,
    add: boolean,
  ): Promise<ImplementationResult> {
    const skuId = check(e, p);
    const what = `${add ? 'grant of' : 'revoke of'} ${e.id} ${add ? 'to' : 'from'} user:${p.id}`;
    const done = (outcome: 'applied' | 'already_applied'): ImplementationResult => ({
      outcome,
      grants: [{ id: grantId(e.id, p), entitlement: e.id, principal: p }],
    });
    try {
      const u = await readUser(p.id, o.signal);
      // What the request is for already holds: after our own lost answer, that was us.
      if (holds(u, skuId) === add) return done(o.replay ? 'applied' : 'already_applied');
      const s = await sku(skuId, o.signal);
      if (add && !u.usageLocation) throw noUsageLocation(u);
      if (add && (s.consumedUnits ?? 0) >= seats(s)) throw noUnits(s);
      try {
        await new Writes(deps, o).graph('POST', `/users/${p.id}/assignLicense`, {
          addLicenses: add ? [{ skuId, disabledPlans: [] }] : [],
          removeLicenses: add ? [] : [skuId],
        });
      } catch (err) {
        const clear = refusal(err, u, s);
        if (clear) throw clear;
        if (answerLost(err) && holds(await readUser(p.id, o.signal), skuId) === add) return done('applied');
        throw err;
      }
      return done('applied');
    } catch (err) {
      throw provisioningError(what, err);
    }
  }

  return {
    resourceType: RESOURCE_TYPES.license,
    grant: (e, p, o) => change(e, p, o, true),
    revoke: (grant, o) => change(grant.entitlement, grant.principal, o, false),
    async holders(e, signal) {
      const skuId = e.resource.resource.toLowerCase();
      return (await sku(skuId, signal)).consumedUnits;
    },
  };
}

function noUsageLocation(u: LicensedUser, cause?: unknown): ProvisioningError {
  return new ProvisioningError(
    'FAILED_PRECONDITION',
    `user ${u.userPrincipalName ?? u.id} has no usageLocation: set the user's usageLocation (a two-letter country code) before assigning a license`,
    false,
    cause ? { cause } : undefined,
  );
}

/**
 * Units that can be assigned: enabled ones, and those in their grace period after expiry
 * (`warning`), which still work. Unknown counts never refuse: Graph's own answer decides then.
 * https://learn.microsoft.com/graph/api/resources/licenseunitsdetail
 */
function seats(s: Sku): number {
  const enabled = s.prepaidUnits?.enabled;
  return enabled === undefined ? Infinity : enabled + (s.prepaidUnits?.warning ?? 0);
}

function noUnits(s: Sku, cause?: unknown): ProvisioningError {
  return new ProvisioningError(
    'FAILED_PRECONDITION',
    `license ${s.skuPartNumber ?? s.skuId} has no available units (${s.consumedUnits ?? '?'} of ${seats(s)} in use): buy more or free one`,
    false,
    cause ? { cause } : undefined,
  );
}
