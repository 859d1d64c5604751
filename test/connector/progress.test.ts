import assert from 'node:assert/strict';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/load.js';
import type { CollectContext } from '../../src/connector/shared/collect-context.js';
import { usersPhase } from '../../src/connector/user/collect.js';
import { phaseStore } from '../../src/framework/engine/phase-store.js';
import { ProgressReporter, reportingProgress } from '../../src/framework/progress.js';
import { createGraphClient } from '../../src/graph/client.js';
import { createLogger } from '../../src/observability/logger.js';
import { SnapshotDb } from '../../src/snapshot/database.js';
import { simulatorEnv, useSimulator } from '../support/simulator-env.js';

/**
 * The users phase over a simulator tenant of 1,000 users (5 delta pages of 200), on a clock that
 * moves 4 s with every Graph answer: what an operator reads in the log while it runs.
 */
describe('collection phases report progress (simulator)', () => {
  const fx = useSimulator({ preset: 'demo', seed: 11, size: { users: 1000 }, host: '127.0.0.1' });

  it('logs counts, rate and an estimate from the collection’s $count every 10 s', async () => {
    const config = loadConfig(simulatorEnv(fx.sim));
    let t = Date.parse('2026-01-01T00:00:00Z');
    const graph = createGraphClient(config, {
      observer: { request: () => void (t += 4_000), throttled: () => undefined },
    });
    const lines: Record<string, unknown>[] = [];
    const logger = createLogger({ destination: { write: (l: string) => void lines.push(JSON.parse(l)) } });
    const reporter = new ProgressReporter({ logger, now: () => t, every: () => ({ stop: () => undefined }) });
    const db = new SnapshotDb(join(fx.dir, 'users.db'), { working: true });
    const ctx: CollectContext = {
      graph,
      store: phaseStore(db),
      work: { kind: 'full' },
      now: () => t,
      config,
      logger,
      requestOptions: {},
      incremental: false,
    };
    try {
      const [phase] = reportingProgress([usersPhase], reporter);
      assert.equal(await phase!.run(ctx), 1000);
    } finally {
      db.close();
      await graph.close();
    }
    const progress = lines.filter((l) => l.phase === 'users' && 'perSecond' in l);
    // $count at 4 s, pages at 8, 12, 16, 20 and 24 s.
    assert.deepEqual(
      progress.map((l) => [l.items, l.total, l.perSecond, l.etaSeconds, l.msg]),
      [
        [400, 1000, 33, 19, 'users: 400 of 1000 (40%), 33/s, about 19 s left'],
        [1000, 1000, 42, 0, 'users: 1000 of 1000 (100%), 42/s, about 0 s left'],
      ],
    );
    assert.equal(fx.sim.tenant.users.size, 1000);
  });
});
