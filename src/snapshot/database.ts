import { DatabaseSync, type StatementSync } from 'node:sqlite';
import type { Entitlement, Grant, Resource, ResourceType } from '../framework/types.js';
import type { Checkpoint, StagedItem, StagedPosition } from '../framework/collect.js';
import {
  OUTPUT_KEYS_TABLE,
  PAGE_SIZE_BYTES,
  OUTPUT_TABLES,
  SNAPSHOT_TABLES,
  WORKING_TABLE_NAMES,
  WORKING_TABLES,
} from './schema.js';
import { compareIds, fromGrantRow, inIdOrder, toGrantRow, type GrantRow } from './grant-row.js';
import { UNKNOWN_PRINCIPAL, unknownPrincipalCounts, type GrantRange } from './principal-check.js';
import { SourceCache } from './source-cache.js';
import { immediateTransaction } from '../sqlite/transaction.js';

export type { Checkpoint };

type Row = Record<string, unknown>;

/** Meta keys of a working database's progress: not the snapshot's, or not yet (see progress()). */
const PROGRESS_PREFIXES = ['work:', 'replaying:', 'sync:'];

export const GRANT_COLUMNS = 'entitlement_id, principal_type, principal_id, extra';

/** The output rows' inserts: here and in the output writer's own connection (output-worker.ts). */
export const OUTPUT_INSERTS = {
  resource: 'INSERT OR REPLACE INTO resources (resource_type, id, display_name, data) VALUES (?, ?, ?, ?)',
  resourceKey: 'INSERT OR IGNORE INTO output_keys (resource_type, id) VALUES (?, ?)',
  entitlement:
    'INSERT OR REPLACE INTO entitlements (id, resource_type, resource_id, slug, data) VALUES (?, ?, ?, ?, ?)',
  grant: `INSERT OR REPLACE INTO grants (${GRANT_COLUMNS}) VALUES (?, ?, ?, ?)`,
} as const;

/**
 * A snapshot's SQLite database: the working database of a running sync (with checkpoints) or a
 * finished snapshot opened for reading. Writes of one page happen inside `transaction()` so that a
 * page and the checkpoint that records it land together or not at all.
 */
export class SnapshotDb {
  readonly db: DatabaseSync;
  readonly source: SourceCache;
  private readonly s: Record<string, StatementSync> = {};
  /** Between beginOutput and endOutput: resource keys are recorded in `output_keys`. */
  private producing = false;

  constructor(
    readonly path: string,
    options: { readOnly?: boolean; working?: boolean } = {},
  ) {
    this.db = new DatabaseSync(path, { readOnly: options.readOnly ?? false });
    if (!options.readOnly) {
      // Takes effect only while the file is new (before WAL mode and the first table).
      this.db.exec(`PRAGMA page_size = ${PAGE_SIZE_BYTES};`);
      // WAL keeps page commits cheap; a killed process loses at most the uncommitted page.
      this.db.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;');
      // Writes arrive in key order (staged rounds, deferred indexes), so a modest fixed cache does;
      // it also bounds the sorter, which spills to temp files beyond it (temp_store FILE: in
      // memory, a sort of a million-row index would grow with the tenant).
      this.db.exec('PRAGMA cache_size = -16384; PRAGMA temp_store = FILE;');
      this.db.exec(SNAPSHOT_TABLES);
      if (options.working) this.db.exec(WORKING_TABLES);
    }
    this.source = new SourceCache(this.db);
  }

  private stmt(sql: string): StatementSync {
    let s = this.s[sql];
    if (!s) {
      s = this.db.prepare(sql);
      this.s[sql] = s;
    }
    return s;
  }

  transaction<T>(fn: () => T): T {
    return immediateTransaction(this.db, fn);
  }

  // --- meta ------------------------------------------------------------------------------------
  getMeta(key: string): string | undefined {
    const row = this.stmt('SELECT value FROM meta WHERE key = ?').get(key) as Row | undefined;
    return row ? (row.value as string) : undefined;
  }

  setMeta(key: string, value: string): void {
    this.stmt('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)').run(key, value);
  }

  deleteMeta(key: string): void {
    this.stmt('DELETE FROM meta WHERE key = ?').run(key);
  }

  metaWithPrefix(prefix: string): Record<string, string> {
    const rows = this.stmt('SELECT key, value FROM meta WHERE key >= ? AND key < ? ORDER BY key').all(
      prefix,
      `${prefix}\uffff`,
    ) as Row[];
    return Object.fromEntries(rows.map((r) => [r.key as string, r.value as string]));
  }

  /**
   * From here on, commits and checkpoints hand their writes to the OS without waiting for the disk
   * (`synchronous = OFF`): a process killed at any point loses nothing committed, a machine that
   * stops may leave the file corrupt. For a working database, which the engine trusts again only
   * under the same boot (working.ts).
   */
  writeUnsynced(): void {
    this.db.exec('PRAGMA synchronous = OFF');
  }

  /** Whether `writeUnsynced` is in effect. */
  get unsynced(): boolean {
    return Number((this.db.prepare('PRAGMA synchronous').get() as Row).synchronous) === 0;
  }

  // --- checkpoints (working database only) -----------------------------------------------------
  checkpoint(phase: string): Checkpoint | undefined {
    const row = this.stmt('SELECT phase, status, token, items FROM checkpoints WHERE phase = ?').get(
      phase,
    ) as Row | undefined;
    if (!row) return undefined;
    return {
      phase,
      status: row.status as Checkpoint['status'],
      token: (row.token as string | null) ?? undefined,
      items: Number(row.items),
    };
  }

  saveCheckpoint(c: Checkpoint): void {
    this.stmt('INSERT OR REPLACE INTO checkpoints (phase, status, token, items) VALUES (?, ?, ?, ?)').run(
      c.phase,
      c.status,
      c.token ?? null,
      c.items,
    );
  }

  stageItems(phase: string, items: { key: string; data: unknown }[]): void {
    const put = this.stmt('INSERT INTO staged_items (phase, key, data) VALUES (?, ?, ?)');
    for (const i of items) put.run(phase, i.key, JSON.stringify(i.data));
  }

  /**
   * A phase's staged items after `after`, by key and arrival within a key: sorted once, on disk
   * (one pass over the table in arrival order; an index by key would cost a random read per item
   * instead), and read from the sort while other statements run and transactions commit.
   */
  *stagedItems<T>(phase: string, after?: StagedPosition): Generator<StagedItem<T>, void, undefined> {
    // From the start: ('', 0) sorts before every staged item (sequence numbers start at 1).
    const [key, seq] = after ?? ['', 0];
    const rows = this.db
      .prepare(
        'SELECT key, seq, data FROM staged_items WHERE phase = ? AND (key, seq) > (?, ?) ORDER BY key, seq',
      )
      .iterate(phase, key, seq) as Iterable<Row>;
    for (const r of rows)
      yield { at: [r.key as string, Number(r.seq)] as const, data: JSON.parse(r.data as string) as T };
  }

  /**
   * What a working database holds of its own progress: the meta keys that are not the snapshot's
   * (`work:`, `replaying:`) or not yet (`sync:`), and the checkpoints. See packWorkingDatabase.
   */
  progress(): WorkingProgress {
    const meta = PROGRESS_PREFIXES.flatMap((prefix) =>
      Object.entries(this.metaWithPrefix(prefix)).map(([key, value]) => ({ key, value })),
    );
    const checkpoints = this.db
      .prepare('SELECT phase, status, token, items FROM checkpoints ORDER BY phase')
      .all() as WorkingProgress['checkpoints'];
    return { meta, checkpoints };
  }

  /** Puts back what `progress` read (the working tables made again first, as they are dropped). */
  restoreProgress(p: WorkingProgress): void {
    this.db.exec(WORKING_TABLES);
    for (const prefix of PROGRESS_PREFIXES)
      for (const key of Object.keys(this.metaWithPrefix(prefix))) this.deleteMeta(key);
    for (const { key, value } of p.meta) this.setMeta(key, value);
    this.db.exec('DELETE FROM checkpoints');
    // Rows put back as they were read, not checkpoints saved: no phase has made progress.
    const put = this.db.prepare('INSERT INTO checkpoints (phase, status, token, items) VALUES (?, ?, ?, ?)');
    for (const c of p.checkpoints) put.run(c.phase, c.status, c.token, c.items);
  }

  /** Whether any working table but the checkpoints holds rows (see packWorkingDatabase). */
  hasWorkingRows(): boolean {
    return WORKING_TABLE_NAMES.some(
      (t) => t !== 'checkpoints' && this.db.prepare(`SELECT EXISTS (SELECT 1 FROM ${t}) AS e`).get()!.e === 1,
    );
  }

  /**
   * Copies every page of the WAL into the database file and empties the WAL, so that the file alone
   * holds the database. False when a reader kept some page from being copied.
   */
  checkpointWal(): boolean {
    const r = this.db.prepare('PRAGMA wal_checkpoint(TRUNCATE)').get() as Row;
    return Number(r.busy) === 0 && Number(r.log) === Number(r.checkpointed);
  }

  clearStaged(phase: string): void {
    this.stmt('DELETE FROM staged_items WHERE phase = ?').run(phase);
  }

  // --- output ----------------------------------------------------------------------------------
  clearOutput(): void {
    for (const t of OUTPUT_TABLES) this.db.exec(`DELETE FROM ${t}`);
  }

  /**
   * Starts writing the output afresh (inside a transaction): clears it and starts recording
   * resource keys for `grantsToUnknownPrincipals`.
   */
  beginOutput(): void {
    this.clearOutput();
    this.db.exec(OUTPUT_KEYS_TABLE);
    this.db.exec('DELETE FROM output_keys');
    this.producing = true;
  }

  /**
   * Ends `beginOutput`: the key table goes, its freed pages zeroed (a database packed as it is
   * carries them into the snapshot, where zeros compress to next to nothing).
   */
  endOutput(): void {
    this.producing = false;
    this.db.exec('PRAGMA secure_delete = ON; DROP TABLE IF EXISTS output_keys; PRAGMA secure_delete = OFF;');
  }

  putResourceType(t: ResourceType): void {
    this.stmt('INSERT OR REPLACE INTO resource_types (id, data) VALUES (?, ?)').run(t.id, JSON.stringify(t));
  }

  putResource(r: Resource): void {
    this.stmt(OUTPUT_INSERTS.resource).run(
      r.id.resourceType,
      r.id.resource,
      r.displayName,
      JSON.stringify(r),
    );
    if (this.producing) this.stmt(OUTPUT_INSERTS.resourceKey).run(r.id.resourceType, r.id.resource);
  }

  /**
   * Counts the grants whose principal is not among the resources written since beginOutput (a
   * user outside the scope, an app filtered out), by principal type; removes nothing. One pass in
   * SQL after every grant is written: checked one grant at a time from JavaScript, the lookups were
   * a fifth of the cost of writing a million grants.
   */
  grantsToUnknownPrincipals(range: GrantRange = {}): Map<string, number> {
    if (!this.producing) throw new Error('grantsToUnknownPrincipals outside beginOutput/endOutput');
    return new Map(unknownPrincipalCounts(this.db, range));
  }

  /**
   * Entitlement ids that cut the grants into about `parts` ranges (by the entitlements' count:
   * every n-th id), in order; fewer when there are fewer entitlements.
   */
  grantBoundaries(parts: number): string[] {
    const n = Number((this.db.prepare('SELECT count(*) AS n FROM entitlements').get() as Row).n);
    if (n < 2) return [];
    const step = Math.ceil(n / parts);
    return (
      this.db
        .prepare(
          'SELECT id FROM (SELECT id, row_number() OVER (ORDER BY id) AS i FROM entitlements) WHERE (i - 1) % ? = 0 AND i > 1',
        )
        .all(step) as Row[]
    ).map((r) => r.id as string);
  }

  /** Removes the grants `grantsToUnknownPrincipals` counts (over `output_keys`, which must exist). */
  deleteGrantsToUnknownPrincipals(): void {
    this.db.exec(`DELETE FROM grants AS g WHERE ${UNKNOWN_PRINCIPAL}`);
  }

  putEntitlement(e: Entitlement): void {
    this.stmt(OUTPUT_INSERTS.entitlement).run(
      e.id,
      e.resource.resourceType,
      e.resource.resource,
      e.slug,
      JSON.stringify(e),
    );
  }

  putGrant(g: Grant): void {
    this.stmt(OUTPUT_INSERTS.grant).run(...toGrantRow(g));
  }

  // --- reading ---------------------------------------------------------------------------------
  // Iterators use their own statements: one prepared statement backs only one open iterator.
  count(table: (typeof OUTPUT_TABLES)[number]): number {
    return Number((this.stmt(`SELECT count(*) AS n FROM ${table}`).get() as Row).n);
  }

  countResourcesByType(): Record<string, number> {
    const rows = this.stmt(
      'SELECT resource_type, count(*) AS n FROM resources GROUP BY resource_type ORDER BY resource_type',
    ).all() as Row[];
    return Object.fromEntries(rows.map((r) => [r.resource_type as string, Number(r.n)]));
  }

  *resourceTypes(): Generator<ResourceType> {
    for (const r of this.db
      .prepare('SELECT data FROM resource_types ORDER BY id')
      .iterate() as Iterable<Row>) {
      yield JSON.parse(r.data as string) as ResourceType;
    }
  }

  *resources(type?: string): Generator<Resource> {
    const it =
      type === undefined
        ? this.db.prepare('SELECT data FROM resources ORDER BY resource_type, id').iterate()
        : this.db.prepare('SELECT data FROM resources WHERE resource_type = ? ORDER BY id').iterate(type);
    for (const r of it as Iterable<Row>) yield JSON.parse(r.data as string) as Resource;
  }

  /** Keyset page of one type's resources after id `afterId` (exclusive), in id order. */
  resourcesPage(type: string, afterId: string, limit: number): Resource[] {
    const rows = this.stmt(
      'SELECT data FROM resources WHERE resource_type = ? AND id > ? ORDER BY id LIMIT ?',
    ).all(type, afterId, limit) as Row[];
    return rows.map((r) => JSON.parse(r.data as string) as Resource);
  }

  resource(type: string, id: string): Resource | undefined {
    const row = this.stmt('SELECT data FROM resources WHERE resource_type = ? AND id = ?').get(type, id) as
      Row | undefined;
    return row ? (JSON.parse(row.data as string) as Resource) : undefined;
  }

  *entitlements(): Generator<Entitlement> {
    for (const r of this.db.prepare('SELECT data FROM entitlements ORDER BY id').iterate() as Iterable<Row>) {
      yield JSON.parse(r.data as string) as Entitlement;
    }
  }

  entitlement(id: string): Entitlement | undefined {
    const row = this.stmt('SELECT data FROM entitlements WHERE id = ?').get(id) as Row | undefined;
    return row ? (JSON.parse(row.data as string) as Entitlement) : undefined;
  }

  /** Every grant in id order (see `inIdOrder`: key order is id order). */
  *grants(): Generator<Grant> {
    yield* inIdOrder(
      this.db
        .prepare(`SELECT ${GRANT_COLUMNS} FROM grants ORDER BY entitlement_id, principal_type, principal_id`)
        .iterate() as Iterable<GrantRow>,
    );
  }

  /**
   * A principal's grants in id order (few: sorted here rather than trusting any index order). A
   * lookup where the reader built GRANTS_BY_PRINCIPAL (`openSnapshot`'s `indexPrincipals`), a
   * scan of every grant where it did not.
   */
  grantsOf(principalType: string, principalId: string): Grant[] {
    const rows = this.stmt(
      `SELECT ${GRANT_COLUMNS} FROM grants WHERE principal_type = ? AND principal_id = ?`,
    ).all(principalType, principalId) as unknown as GrantRow[];
    return rows.map(fromGrantRow).sort((a, b) => compareIds(a.id, b.id));
  }

  grantsOn(entitlementId: string): Grant[] {
    const rows = this.stmt(
      `SELECT ${GRANT_COLUMNS} FROM grants WHERE entitlement_id = ? ORDER BY principal_type, principal_id`,
    ).all(entitlementId) as unknown as GrantRow[];
    return [...inIdOrder(rows)];
  }

  close(): void {
    if (this.db.isOpen) this.db.close();
  }
}

/** A working database's own progress, as `SnapshotDb.progress` reads it. */
export interface WorkingProgress {
  meta: { key: string; value: string }[];
  checkpoints: (Omit<Checkpoint, 'token'> & { token: string | null })[];
}
