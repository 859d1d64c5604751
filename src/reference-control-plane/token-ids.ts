import type { ControlPlaneStore } from './store.js';

/**
 * Token ids (`jti`) already accepted, kept until their token could no longer be accepted anyway.
 * They live in the store, not in memory, so a restart of the control plane does not reopen the
 * window in which a captured token could be replayed.
 */
export function rememberTokenId(
  store: ControlPlaneStore,
  clientId: string,
  jti: string,
  /** Epoch seconds after which the token is refused for its age alone. */
  forgetAfter: number,
  now: Date,
): boolean {
  const nowS = Math.floor(now.getTime() / 1000);
  return store.transaction(() => {
    store.db.prepare('DELETE FROM token_ids WHERE forget_after < ?').run(nowS);
    const res = store.db
      .prepare('INSERT INTO token_ids (client_id, jti, forget_after) VALUES (?, ?, ?) ON CONFLICT DO NOTHING')
      .run(clientId, jti, forgetAfter);
    return Number(res.changes) === 1;
  });
}
