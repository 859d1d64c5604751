import type { CollectPhase, PhaseContext } from '../collect.js';
import type { Logger } from '../../observability/logger.js';

/** Phases in flight at once: the big delta rounds overlap each other's round trips. */
export const PHASE_WIDTH = 4;

/**
 * Runs a collection plan, starting each phase (in plan order) once the phases it comes `after`
 * have finished, at most `width` at a time. Graph round trips dominate a sync against a real
 * tenant, so independent collections fetched side by side end far sooner than one after another;
 * SQLite writes stay serial (each page commits in one synchronous transaction). The first failure
 * stops the others at their next page and is the one rethrown.
 */
export async function runPhases(
  plan: readonly CollectPhase[],
  ctx: PhaseContext,
  logger: Logger,
  width = PHASE_WIDTH,
  /** Told the phases done so far each time one finishes. */
  onDone?: (done: ReadonlySet<string>) => void,
): Promise<void> {
  const stop = new AbortController();
  const signal = ctx.signal ? AbortSignal.any([ctx.signal, stop.signal]) : stop.signal;
  const phaseCtx: PhaseContext = { ...ctx, signal };
  const done = new Set<string>();
  const waiting = [...plan];
  const running = new Map<string, Promise<void>>();
  let failure: { err: unknown } | undefined;

  const ready = (p: CollectPhase) =>
    (p.after ?? []).every((n) => (n === '*' ? plan.every((q) => q === p || done.has(q.name)) : done.has(n)));
  const start = (p: CollectPhase) => {
    const started = Date.now();
    const run = p
      .run(phaseCtx)
      .then((items) => {
        const ms = Date.now() - started;
        done.add(p.name);
        logger.info(
          { phase: p.name, items, ms, perSecond: ms ? Math.round((items * 1000) / ms) : items },
          'phase complete',
        );
        onDone?.(done);
      })
      .catch((err: unknown) => {
        if (!failure) {
          failure = { err };
          stop.abort(err);
        }
      })
      .finally(() => running.delete(p.name));
    running.set(p.name, run);
  };

  while (waiting.length > 0 || running.size > 0) {
    if (!failure) {
      for (let i = 0; i < waiting.length && running.size < width;) {
        if (ready(waiting[i]!)) start(waiting.splice(i, 1)[0]!);
        else i++;
      }
    }
    if (running.size === 0) {
      if (failure || waiting.length === 0) break;
      throw new Error(
        `collection plan cannot proceed: ${waiting.map((p) => p.name).join(', ')} wait on phases not in the plan`,
      );
    }
    await Promise.race(running.values());
  }
  if (failure) throw failure.err;
}
