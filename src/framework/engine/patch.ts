import type { Logger } from '../../observability/logger.js';
import type { SnapshotDb } from '../../snapshot/database.js';
import { OutputPatch } from '../../snapshot/output-patch.js';
import { changeCounts, sourceChanges } from '../../snapshot/source-changes.js';
import type { Connector, PatchContext, PatchRules } from '../connector.js';
import { drainPages } from '../pagination.js';
import type { ResourceSyncer } from '../types.js';
import type { DropCounter } from './emit.js';

const BATCH = 500;
const DIRTY = 'temp.patch_dirty';
const PRINCIPALS = 'temp.patch_principals';

/** A connector whose output can be patched: patch rules, and every syncer derives one resource. */
export function canPatch(connector: Connector): connector is Connector & { patch: PatchRules } {
  return connector.patch !== undefined;
}

/**
 * Patches the parent's output with what this sync's collection changed, in one transaction (a
 * sync stopped inside it resumes with the output as the parent left it):
 * 1. the connector marks the resources the source changes (or time passing) may change;
 * 2. each marked resource is derived again and written only where it differs, or removed;
 * 3. resources that came into the output or left it are principals: the resources whose grants
 *    may name them are marked too (a grant names only principals the output holds);
 * 4. each marked resource's entitlements and grants are derived again and replaced.
 * What changed is recorded in `output_changes`; with the source before-images (kept until the
 * store is) it is what the diff snapshot holds. Returns false, having changed nothing, when a
 * syncer cannot derive one resource (the caller rebuilds).
 */
export async function patchOutput(
  db: SnapshotDb,
  rules: PatchRules,
  syncers: ResourceSyncer[],
  base: Omit<PatchContext, 'changes' | 'mark' | 'markSql'>,
  drops: DropCounter,
  logger: Logger,
  signal?: AbortSignal,
): Promise<boolean> {
  if (syncers.some((s) => s.resource === undefined)) return false;
  const started = Date.now();
  db.db.exec(`
    DROP TABLE IF EXISTS ${DIRTY};
    CREATE TEMP TABLE patch_dirty (resource_type TEXT NOT NULL, id TEXT NOT NULL, PRIMARY KEY (resource_type, id)) WITHOUT ROWID;
    DROP TABLE IF EXISTS ${PRINCIPALS};
    CREATE TEMP TABLE patch_principals (resource_type TEXT NOT NULL, id TEXT NOT NULL, PRIMARY KEY (resource_type, id)) WITHOUT ROWID;
  `);
  const mark = db.db.prepare(`INSERT OR IGNORE INTO ${DIRTY} (resource_type, id) VALUES (?, ?)`);
  const ctx: PatchContext = {
    ...base,
    changes: sourceChanges(db.db),
    mark: (type, id) => void mark.run(type, id),
    markSql: (type, sql, ...params) =>
      void db.db
        .prepare(`INSERT OR IGNORE INTO ${DIRTY} (resource_type, id) SELECT ?, * FROM (${sql})`)
        .run(type, ...params),
  };
  const changed = changeCounts(db.db);
  const out = new OutputPatch(db);
  const page = db.db.prepare(
    `SELECT id FROM ${DIRTY} WHERE resource_type = ? AND id > ? ORDER BY id LIMIT ${BATCH}`,
  );
  const dirtyPages = function* (type: string): Generator<string[]> {
    let after = '';
    for (;;) {
      const ids = (page.all(type, after) as { id: string }[]).map((r) => r.id);
      if (ids.length === 0) return;
      yield ids;
      after = ids.at(-1)!;
    }
  };
  db.db.exec('BEGIN IMMEDIATE');
  try {
    rules.affected(ctx);
    const marked = Number((db.db.prepare(`SELECT count(*) AS n FROM ${DIRTY}`).get() as { n: number }).n);
    for (const s of syncers) out.resourceType(s.resourceType);
    const principal = db.db.prepare(`INSERT OR IGNORE INTO ${PRINCIPALS} (resource_type, id) VALUES (?, ?)`);
    for (const s of syncers) {
      const type = s.resourceType.id;
      for (const ids of dirtyPages(type)) {
        signal?.throwIfAborted();
        for (const id of ids) {
          const what = out.resource(type, id, s.resource!(id));
          if (what === 'added' || what === 'removed') principal.run(type, id);
        }
      }
    }
    if (db.db.prepare(`SELECT 1 FROM ${PRINCIPALS} LIMIT 1`).get()) rules.referencing(ctx, PRINCIPALS);
    for (const s of syncers) {
      const type = s.resourceType.id;
      for (const ids of dirtyPages(type)) {
        signal?.throwIfAborted();
        out.beginBatch();
        for (const id of ids) {
          const r = db.resource(type, id);
          if (!r) continue;
          const ents = s.entitlements(r);
          out.stageResource(type, id, ents);
          if (ents.length === 0) continue;
          const offered = new Set(ents.map((e) => e.id));
          for await (const items of drainPages(`${type}:${id} grants`, (t) => s.grants(r, t), signal)) {
            for (const g of items) {
              if (offered.has(g.entitlement)) out.stageGrant(g);
              else drops.drop(`grant of an entitlement not offered (${type})`);
            }
          }
        }
        for (const [t, n] of out.endBatch()) drops.drop(`grant to a principal not in the snapshot (${t})`, n);
      }
    }
    // With the flag, in the same transaction: a resumed sync has them as this run left them.
    db.setMeta('work:countDelta', JSON.stringify(out.delta));
    db.setMeta('work:patched', '1');
    db.db.exec('COMMIT');
    logger.info(
      { phase: 'patch', sourceChanges: changed, marked, output: out.counts(), ms: Date.now() - started },
      'output patched',
    );
    return true;
  } catch (err) {
    db.db.exec('ROLLBACK');
    throw err;
  }
}
