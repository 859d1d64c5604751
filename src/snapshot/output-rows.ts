import type { DatabaseSync, StatementSync } from 'node:sqlite';
import type { Entitlement, Grant, Resource } from '../framework/types.js';
import { GRANT_COLUMNS, OUTPUT_INSERTS } from './database.js';
import { toGrantRow } from './grant-row.js';

/**
 * Output rows on their way to the thread that writes them (output-worker.ts): each table's column
 * values in one flat list, sent as one string joined by NUL. Posting a million grants as arrays of
 * strings cost the sending thread more than the inserts it saved; one string per table is copied
 * whole. A value holding a NUL itself (never JSON, which escapes it; only a stray id or display
 * name) would shift the columns, so a list with one goes as an array instead.
 */
export interface RowBatch {
  /** Rows per table; each table's `values` hold that many times its column count. */
  rows: { resources: number; entitlements: number; grants: number };
  resources: string | string[];
  entitlements: string | string[];
  grants: string | string[];
}

/** Column counts of each table's rows, as encoded (see OUTPUT_INSERTS). */
export const COLUMNS = { resources: 4, entitlements: 5, grants: 4 } as const;

const SEP = '\u0000';

/** NUL characters in `s` (indexOf runs as a native scan, far faster than a character loop). */
function nuls(s: string): number {
  let n = 0;
  for (let i = s.indexOf(SEP); i !== -1; i = s.indexOf(SEP, i + 1)) n++;
  return n;
}

function pack(values: string[]): string | string[] {
  if (values.length === 0) return [];
  const joined = values.join(SEP);
  return nuls(joined) === values.length - 1 ? joined : values;
}

export function unpack(packed: string | string[]): string[] {
  return typeof packed === 'string' ? packed.split(SEP) : packed;
}

/** Collects output rows as column values, ready to be sealed into a `RowBatch`. */
export class RowBuffer {
  private resources: string[] = [];
  private entitlements: string[] = [];
  private grants: string[] = [];
  private counts = { resources: 0, entitlements: 0, grants: 0 };
  /** Characters of JSON collected since the last seal (resources and entitlements are ~1 KiB each). */
  chars = 0;

  /** Rows collected since the last seal. */
  get size(): number {
    return this.counts.resources + this.counts.entitlements + this.counts.grants;
  }

  resource(r: Resource): void {
    const data = JSON.stringify(r);
    this.resources.push(r.id.resourceType, r.id.resource, r.displayName, data);
    this.chars += data.length;
    this.counts.resources++;
  }

  entitlement(e: Entitlement): void {
    const data = JSON.stringify(e);
    this.entitlements.push(e.id, e.resource.resourceType, e.resource.resource, e.slug, data);
    this.chars += data.length;
    this.counts.entitlements++;
  }

  /** Checks the grant's id here, so a bad grant fails where it was made. */
  grant(g: Grant): void {
    const [entitlement, type, id, extra] = toGrantRow(g);
    // A NULL `extra` travels as '': the column is JSON when set, never empty.
    this.grants.push(entitlement, type, id, extra ?? '');
    this.counts.grants++;
  }

  /** The rows collected since the last take or seal, as column values; the buffer starts over. */
  take(): RowValues {
    const values = { resources: this.resources, entitlements: this.entitlements, grants: this.grants };
    this.resources = [];
    this.entitlements = [];
    this.grants = [];
    this.counts = { resources: 0, entitlements: 0, grants: 0 };
    this.chars = 0;
    return values;
  }

  /** The rows collected since the last take or seal, packed to be posted to another thread. */
  seal(): RowBatch {
    const rows = this.counts;
    const v = this.take();
    return { rows, resources: pack(v.resources), entitlements: pack(v.entitlements), grants: pack(v.grants) };
  }
}

/** Each table's column values, rows one after another (see COLUMNS). */
export interface RowValues {
  resources: string[];
  entitlements: string[];
  grants: string[];
}

/** A posted batch's values, each table's checked against its row count. */
export function unsealed(batch: RowBatch): RowValues {
  return {
    resources: valuesOf(batch, 'resources'),
    entitlements: valuesOf(batch, 'entitlements'),
    grants: valuesOf(batch, 'grants'),
  };
}

/** A batch's values of `table`, checked against its row count. */
export function valuesOf(batch: RowBatch, table: keyof typeof COLUMNS): string[] {
  const values = unpack(batch[table]);
  if (values.length !== batch.rows[table] * COLUMNS[table])
    throw new Error(
      `output batch: ${table} has ${values.length} values for ${batch.rows[table]} rows of ${COLUMNS[table]} columns`,
    );
  return values;
}

/**
 * Inserts batches into the output tables over connection `db` (the caller holds the transaction):
 * resources with their keys (see beginOutput), entitlements, grants.
 */
export function batchInserter(db: DatabaseSync): (values: RowValues) => void {
  const resource = db.prepare(OUTPUT_INSERTS.resource);
  const resourceKey = db.prepare(OUTPUT_INSERTS.resourceKey);
  const entitlement = db.prepare(OUTPUT_INSERTS.entitlement);
  const grant = db.prepare(OUTPUT_INSERTS.grant);
  return ({ resources: r, entitlements: e, grants: g }) => {
    for (let i = 0; i < r.length; i += 4) {
      resource.run(r[i]!, r[i + 1]!, r[i + 2]!, r[i + 3]!);
      resourceKey.run(r[i]!, r[i + 1]!);
    }
    for (let i = 0; i < e.length; i += 5) entitlement.run(e[i]!, e[i + 1]!, e[i + 2]!, e[i + 3]!, e[i + 4]!);
    for (let i = 0; i < g.length; i += 4) grant.run(g[i]!, g[i + 1]!, g[i + 2]!, g[i + 3] || null);
  };
}

/**
 * Inserts the grants of a syncer's GrantsQuery for the resources in (after, upTo] over connection
 * `db` (the caller holds the transaction) and returns how many rows it wrote. Statements are
 * prepared once per query.
 */
export function queryInserter(db: DatabaseSync): (select: string, after: string, upTo: string) => number {
  const prepared = new Map<string, StatementSync>();
  return (select, after, upTo) => {
    let stmt = prepared.get(select);
    if (!stmt) {
      // As OUTPUT_INSERTS.grant does for one row.
      stmt = db.prepare(`INSERT OR REPLACE INTO grants (${GRANT_COLUMNS}) ${select}`);
      prepared.set(select, stmt);
    }
    return Number(stmt.run(after, upTo).changes);
  };
}
