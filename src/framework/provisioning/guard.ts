/**
 * Limits on how much access may be taken away without a person approving it: at most `max`
 * destructive operations per `windowMs`, and at most `holderShare` of one entitlement's holders
 * when it has at least `minHolders`. Beyond either, an operation is held, not executed.
 */
export interface DeletionGuardSettings {
  max: number;
  windowMs: number;
  holderShare: number;
  minHolders: number;
}

export const DEFAULT_DELETION_GUARD: DeletionGuardSettings = {
  max: 100,
  windowMs: 3_600_000,
  holderShare: 0.2,
  minHolders: 10,
};

export interface GuardCounts {
  /** Destructive operations in the window so far. */
  inWindow: number;
  /** Revokes of this entitlement in the window so far, and its holders when the window began. */
  entitlement?: { revoked: number; holders: number | undefined };
}

/** Why the next destructive operation must wait for an approval, or undefined when it may run. */
export function guardReason(s: DeletionGuardSettings, c: GuardCounts): string | undefined {
  if (c.inWindow + 1 > s.max) {
    return `more than ${s.max} destructive operations within ${Math.round(s.windowMs / 60_000)} min (BATON_DELETION_GUARD_MAX, BATON_DELETION_GUARD_WINDOW)`;
  }
  const e = c.entitlement;
  if (e?.holders !== undefined && e.holders >= s.minHolders && e.revoked + 1 > e.holders * s.holderShare) {
    return `more than ${Math.round(s.holderShare * 100)} % of the entitlement's ${e.holders} holders within ${Math.round(s.windowMs / 60_000)} min`;
  }
  return undefined;
}
