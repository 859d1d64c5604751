import type { OperationOptions } from '../../framework/capabilities.js';
import { answerLost, isAlreadyThere, Writes, type ProvisionDeps } from '../shared/writes.js';

/** Graph takes at most 20 references in one `members@odata.bind`. https://learn.microsoft.com/graph/api/group-update#example-2-add-multiple-members-to-a-group-in-a-single-request */
export const MAX_BIND = 20;

interface Waiter {
  principalId: string;
  writes: Writes;
  options: OperationOptions;
  resolve: (outcome: 'applied' | 'already_applied') => void;
  reject: (err: unknown) => void;
}

/**
 * Member grants to one group, coalesced: while a write to a group is under way, further grants to it
 * wait and then go together as one `PATCH /groups/{id}` with `members@odata.bind` (up to 20). The
 * bind is all-or-nothing, so when it fails — one principal already a member, or missing — each
 * waiting grant is sent on its own and gets its own outcome.
 */
export class MemberAddQueue {
  private readonly groups = new Map<string, { waiting: Waiter[]; busy: boolean }>();

  constructor(private readonly deps: ProvisionDeps) {}

  add(
    groupId: string,
    principalId: string,
    writes: Writes,
    options: OperationOptions,
  ): Promise<'applied' | 'already_applied'> {
    let st = this.groups.get(groupId);
    if (!st) this.groups.set(groupId, (st = { waiting: [], busy: false }));
    const p = new Promise<'applied' | 'already_applied'>((resolve, reject) =>
      st.waiting.push({ principalId, writes, options, resolve, reject }),
    );
    if (!st.busy) void this.drain(groupId, st);
    return p;
  }

  private async drain(groupId: string, st: { waiting: Waiter[]; busy: boolean }): Promise<void> {
    st.busy = true;
    try {
      // Let the grants of the same batch of tasks arrive before the first request leaves.
      await new Promise<void>((r) => setImmediate(r));
      while (st.waiting.length) {
        const batch = st.waiting.splice(0, MAX_BIND);
        await this.send(groupId, batch);
      }
    } finally {
      st.busy = false;
      this.groups.delete(groupId);
    }
  }

  private async send(groupId: string, batch: Waiter[]): Promise<void> {
    const live = batch.filter((w) => !w.options.signal?.aborted);
    for (const w of batch) if (w.options.signal?.aborted) w.reject(w.options.signal.reason);
    const ids = [...new Set(live.map((w) => w.principalId))];
    if (ids.length === 0) return;
    if (ids.length === 1) {
      await Promise.all(live.map((w) => this.single(groupId, w, false)));
      return;
    }
    const first = live[0]!;
    const body = { 'members@odata.bind': ids.map((id) => first.writes.directoryObject(id)) };
    try {
      // One request carries them all; each task's plan lists the request it was part of.
      for (const w of live.slice(1)) {
        w.options.record({ service: 'graph', method: 'PATCH', url: `/v1.0/groups/${groupId}`, body });
      }
      await first.writes.graph('PATCH', `/groups/${groupId}`, body);
      for (const w of live) w.resolve('applied');
    } catch (err) {
      const lost = answerLost(err);
      if (!lost && !isAlreadyThere(err) && !isBindRejection(err)) {
        for (const w of live) w.reject(err);
        return;
      }
      await Promise.all(live.map((w) => this.single(groupId, w, lost)));
    }
  }

  /** One grant on its own `$ref`; after a lost bind, "already a member" is that bind's doing. */
  private async single(groupId: string, w: Waiter, afterLost: boolean): Promise<void> {
    try {
      await new Writes(this.deps, w.options).graph('POST', `/groups/${groupId}/members/$ref`, {
        '@odata.id': w.writes.directoryObject(w.principalId),
      });
      w.resolve('applied');
    } catch (err) {
      if (isAlreadyThere(err)) w.resolve(afterLost || w.options.replay ? 'applied' : 'already_applied');
      else w.reject(err);
    }
  }
}

/** A bind refused as a whole for one bad reference (404 or 400): each grant then finds its own answer. */
function isBindRejection(err: unknown): boolean {
  const status = (err as { details?: { status?: number } })?.details?.status;
  return status === 400 || status === 404;
}
