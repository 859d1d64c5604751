/**
 * The snapshot's SQLite schema. Every table is keyed by its natural id and `WITHOUT ROWID`, so rows
 * are stored — and read back — in key order whatever order a sync discovered them in: two syncs of
 * the same tenant produce the same content in the same order.
 *
 * Schema history (the version is in every snapshot's header as `schemaVersion`; absent means 1):
 *   1  grants stored their id and a JSON copy of every field, with an index by entitlement.
 *   2  grants keyed by (entitlement, principal type, principal id), other fields only when set.
 *   3  16 KiB pages; no index of grants by principal (readers that need one build it); the index
 *      of edges by target covers license assignments only. Readable as schema 2 is.
 */
export const SCHEMA_VERSION = 3;

/** Schema versions whose bodies this build reads (3 only added pages room and dropped indexes). */
export const READABLE_SCHEMA_VERSIONS: readonly number[] = [2, 3];

/**
 * SQLite's page size for new databases. A `WITHOUT ROWID` row longer than about a quarter of a
 * page spills into overflow pages (https://www.sqlite.org/fileformat2.html#b_tree_pages): at 4 KiB
 * a user resource's ~1 KiB of JSON took a whole extra page, and resources were 3.5× their size.
 */
export const PAGE_SIZE_BYTES = 16_384;

/**
 * Grants by principal, for readers that look up a principal's access (`snapshot access`). Not in
 * the snapshot: it was as large as the grants themselves, written and compressed by every sync
 * for a lookup that one command makes, and built by that command in one sorted pass.
 */
export const GRANTS_BY_PRINCIPAL =
  'CREATE INDEX IF NOT EXISTS grants_by_principal ON grants (principal_type, principal_id)';

export const SNAPSHOT_TABLES = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS resource_types (id TEXT PRIMARY KEY, data TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS resources (
  resource_type TEXT NOT NULL, id TEXT NOT NULL, display_name TEXT NOT NULL, data TEXT NOT NULL,
  PRIMARY KEY (resource_type, id)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS entitlements (
  id TEXT PRIMARY KEY, resource_type TEXT NOT NULL, resource_id TEXT NOT NULL, slug TEXT NOT NULL,
  data TEXT NOT NULL) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS entitlements_by_resource ON entitlements (resource_type, resource_id);
-- A grant's id is <entitlement_id>:<principal_type>:<principal_id>, rebuilt on reading; extra is
-- NULL or a JSON object of its other fields. The key serves lookups by entitlement.
CREATE TABLE IF NOT EXISTS grants (
  entitlement_id TEXT NOT NULL, principal_type TEXT NOT NULL, principal_id TEXT NOT NULL, extra TEXT,
  PRIMARY KEY (entitlement_id, principal_type, principal_id)) WITHOUT ROWID;
-- The source cache: Graph objects and relationships as last seen, so that the next sync can replay
-- delta links onto them instead of listing the tenant again.
CREATE TABLE IF NOT EXISTS source_objects (
  kind TEXT NOT NULL, id TEXT NOT NULL, data TEXT NOT NULL, PRIMARY KEY (kind, id)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS source_links (
  kind TEXT NOT NULL, owner_id TEXT NOT NULL, rel TEXT NOT NULL, target_id TEXT NOT NULL,
  target_kind TEXT NOT NULL, extra TEXT NOT NULL DEFAULT '',
  PRIMARY KEY (kind, owner_id, rel, target_id, extra)) WITHOUT ROWID;
`;

/** Progress of an unfinished sync; only in the working database, never in a finished snapshot. */
export const WORKING_TABLES = `
CREATE TABLE IF NOT EXISTS checkpoints (
  phase TEXT PRIMARY KEY, status TEXT NOT NULL, token TEXT, items INTEGER NOT NULL DEFAULT 0) WITHOUT ROWID;
-- Pages of a round staged in arrival order (rowid), applied in key order when the round ends.
CREATE TABLE IF NOT EXISTS staged_items (
  seq INTEGER PRIMARY KEY, phase TEXT NOT NULL, key TEXT NOT NULL, data TEXT NOT NULL);
-- A patching incremental's record of the source rows its collection touched, as they were before
-- the first touch (data / target_kind NULL: the row did not exist); see source-changes.ts.
CREATE TABLE IF NOT EXISTS source_objects_before (
  kind TEXT NOT NULL, id TEXT NOT NULL, data TEXT, PRIMARY KEY (kind, id)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS source_links_before (
  kind TEXT NOT NULL, owner_id TEXT NOT NULL, rel TEXT NOT NULL, target_id TEXT NOT NULL,
  extra TEXT NOT NULL, target_kind TEXT,
  PRIMARY KEY (kind, owner_id, rel, target_id, extra)) WITHOUT ROWID;
-- The output records a patching incremental added, changed (op 'put') or removed ('delete'), by
-- record kind (resource_type, resource, entitlement, grant) and key: the export id, but for a grant
-- its key columns joined by char(31) (see output-patch.ts).
CREATE TABLE IF NOT EXISTS output_changes (
  record TEXT NOT NULL, id TEXT NOT NULL, op TEXT NOT NULL, PRIMARY KEY (record, id)) WITHOUT ROWID;
`;

/** Tables of the working database that a finished snapshot leaves out. */
export const WORKING_TABLE_NAMES = [
  'checkpoints',
  'staged_items',
  'source_objects_before',
  'source_links_before',
  'output_changes',
] as const;

/**
 * The keys of the resources written so far, while a sync produces its output. Grants are checked
 * against it: a narrow table stays in the page cache where the resources themselves (a few KiB of
 * JSON each, larger than the cache on a big tenant) would be read from disk for every grant.
 */
export const OUTPUT_KEYS_TABLE = `
CREATE TABLE IF NOT EXISTS output_keys (
  resource_type TEXT NOT NULL, id TEXT NOT NULL, PRIMARY KEY (resource_type, id)) WITHOUT ROWID;
`;

/** The tables whose rows are the sync's output (cleared before they are produced again). */
export const OUTPUT_TABLES = ['resource_types', 'resources', 'entitlements', 'grants'] as const;
