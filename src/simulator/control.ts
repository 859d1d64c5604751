import type { RunningSimulator } from './api.js';
import type { SimContext } from './context.js';
import { json, type SimRequest, type SimResponse } from './http/message.js';
import { newGroup, newUser } from './records.js';

/**
 * `/_sim/…`: the simulator's own control surface, kept off the Graph namespace. No token is
 * needed (the server listens on loopback only).
 *
 *   GET  /_sim/counters            counters by endpoint
 *   POST /_sim/counters/reset      zero them
 *   POST /_sim/faults              body: FaultRule[] (replaces the rules)
 *   POST /_sim/throttling          body: {"enabled": boolean}
 *   POST /_sim/clock/advance       body: {"ms": number}
 *   POST /_sim/mutate              body: {"op": …, …} (see MUTATIONS)
 *   GET  /_sim/info                tenant id, client id, seq of the change log
 */
export function createControl(ctx: SimContext, sim: () => RunningSimulator) {
  return async (req: SimRequest, action: string): Promise<SimResponse> => {
    try {
      const body = req.body.length ? (JSON.parse(req.body.toString('utf8')) as Record<string, unknown>) : {};
      const key = `${req.method} ${action}`;
      switch (key) {
        case 'GET counters':
          return json(200, sim().counters());
        case 'POST counters/reset':
          sim().resetCounters();
          return json(200, { ok: true });
        case 'POST faults':
          sim().setFaults((Array.isArray(body) ? body : body.rules) as never);
          return json(200, { ok: true });
        case 'POST throttling':
          if (typeof body.enabled !== 'boolean') return bad('enabled: expected true or false');
          sim().setThrottling(body.enabled);
          return json(200, { ok: true });
        case 'POST clock/advance':
          if (typeof body.ms !== 'number') return bad('ms: expected a number of milliseconds');
          sim().advanceClock(body.ms);
          return json(200, { now: new Date(ctx.clock.now()).toISOString() });
        case 'POST mutate':
          return json(200, mutate(ctx, body));
        case 'GET info':
          return json(200, {
            tenantId: ctx.store.tenantId,
            clientId: sim().clientId,
            seq: ctx.store.currentSeq,
            now: new Date(ctx.clock.now()).toISOString(),
          });
        default:
          return json(404, {
            error: { code: 'NotFound', message: `No control endpoint ${req.method} /_sim/${action}.` },
          });
      }
    } catch (err) {
      return bad(err instanceof Error ? err.message : String(err));
    }
  };
}

function bad(message: string): SimResponse {
  return json(400, { error: { code: 'BadRequest', message } });
}

function str(body: Record<string, unknown>, field: string): string {
  const v = body[field];
  if (typeof v !== 'string' || v === '') throw new Error(`${field}: expected a non-empty string`);
  return v;
}

function obj(body: Record<string, unknown>, field: string): Record<string, unknown> {
  const v = body[field];
  if (v === null || typeof v !== 'object' || Array.isArray(v))
    throw new Error(`${field}: expected an object`);
  return v as Record<string, unknown>;
}

/** Applies one tenant mutation through the store, so it lands in the change log delta replays. */
export function mutate(ctx: SimContext, body: Record<string, unknown>): Record<string, unknown> {
  const s = ctx.store;
  const nowIso = new Date(ctx.clock.now()).toISOString();
  const op = str(body, 'op');
  switch (op) {
    case 'addMember':
      return { changed: s.addMember(str(body, 'groupId'), str(body, 'memberId')) };
    case 'removeMember':
      return { changed: s.removeMember(str(body, 'groupId'), str(body, 'memberId')) };
    case 'addOwner':
      return { changed: s.addOwner(str(body, 'objectId'), str(body, 'ownerId')) };
    case 'removeOwner':
      return { changed: s.removeOwner(str(body, 'objectId'), str(body, 'ownerId')) };
    case 'createUser': {
      const u = obj(body, 'user');
      const user = newUser(
        {
          ...(u as object),
          userPrincipalName: str(u, 'userPrincipalName'),
          displayName: str(u, 'displayName'),
        },
        nowIso,
      );
      s.createUser(
        user,
        typeof body.password === 'string'
          ? { password: body.password, mfaRequired: body.mfaRequired === true }
          : undefined,
      );
      return { id: user.id };
    }
    case 'updateUser':
      s.updateUser(str(body, 'id'), obj(body, 'patch'));
      return { changed: true };
    case 'deleteUser':
      s.deleteUser(str(body, 'id'));
      return { changed: true };
    case 'restoreUser':
      s.restoreUser(str(body, 'id'));
      return { changed: true };
    case 'createGroup': {
      const g = obj(body, 'group');
      const group = newGroup({ ...(g as object), displayName: str(g, 'displayName') }, nowIso);
      s.createGroup(group);
      return { id: group.id };
    }
    case 'updateGroup':
      s.updateGroup(str(body, 'id'), obj(body, 'patch'));
      return { changed: true };
    case 'deleteGroup':
      s.deleteGroup(str(body, 'id'));
      return { changed: true };
    case 'setManager': {
      const m = body.managerId;
      if (m !== null && typeof m !== 'string') throw new Error('managerId: expected a user id or null');
      s.setManager(str(body, 'userId'), m);
      return { changed: true };
    }
    case 'updateServicePrincipal':
      s.updateServicePrincipal(str(body, 'id'), obj(body, 'patch'));
      return { changed: true };
    case 'deleteDevice':
      s.deleteDevice(str(body, 'id'));
      return { changed: true };
    case 'updateClient':
      s.updateClient(str(body, 'clientId'), obj(body, 'patch'));
      return { changed: true };
    default:
      throw new Error(
        `op: unknown operation '${op}'; expected addMember, removeMember, addOwner, removeOwner, createUser, updateUser, deleteUser, restoreUser, createGroup, updateGroup, deleteGroup, setManager, updateServicePrincipal, deleteDevice or updateClient`,
      );
  }
}
