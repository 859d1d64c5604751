/**
 * The principal check's SQL: grants whose principal is not among the output's resources, read over
 * the sync's connection or the output writer's (output-worker.ts), range by range.
 */
import type { DatabaseSync } from 'node:sqlite';

/** A grant's principal is none of the resources written since beginOutput (in `output_keys`). */
export const UNKNOWN_PRINCIPAL =
  'NOT EXISTS (SELECT 1 FROM output_keys k WHERE k.resource_type = g.principal_type AND k.id = g.principal_id)';

/** Grants by entitlement id: all of them, those from `from` on, or those before `below`. */
export interface GrantRange {
  from?: string;
  below?: string;
}

/**
 * Counts the grants of `range` whose principal is not among the output's resources, by principal
 * type, over connection `db` (the main one, or the output writer's: see OutputWriter.unknownPrincipals).
 */
export function unknownPrincipalCounts(db: DatabaseSync, range: GrantRange = {}): [string, number][] {
  const where = [UNKNOWN_PRINCIPAL];
  const params: string[] = [];
  if (range.from !== undefined) {
    where.push('g.entitlement_id >= ?');
    params.push(range.from);
  }
  if (range.below !== undefined) {
    where.push('g.entitlement_id < ?');
    params.push(range.below);
  }
  const rows = db
    .prepare(
      `SELECT principal_type AS type, count(*) AS n FROM grants g WHERE ${where.join(' AND ')} GROUP BY 1`,
    )
    .all(...params) as { type: string; n: number }[];
  return rows.map((r) => [r.type, Number(r.n)]);
}
