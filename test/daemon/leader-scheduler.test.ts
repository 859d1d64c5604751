import assert from 'node:assert/strict';
import { KubeConfig } from '@kubernetes/client-node';
import { LeaderElector } from '../../src/daemon/lease.js';
import { SyncScheduler } from '../../src/daemon/scheduler.js';
import { FakeApiServer } from '../support/fake-apiserver.js';
import { ManualClock } from '../support/manual-clock.js';

// Two replicas, each running its scheduler only while it holds the Lease (as `serve` composes
// them): syncs from different replicas must never overlap in time, even when the leader is cut
// off from the apiserver. Fake apiserver; real-cluster E2E not covered.

interface Run {
  replica: string;
  start: number;
  end: number;
}

describe('leader-gated scheduling across replicas', () => {
  let fake: FakeApiServer;
  let url: string;
  beforeEach(async () => {
    fake = new FakeApiServer();
    url = await fake.start();
  });
  afterEach(() => fake.close());

  it('never runs two syncs at once, before and after a partition failover', async () => {
    const clock = new ManualClock();
    const runs: Run[] = [];
    const partitioned = new Set<string>();
    const replicas = ['a', 'b'].map((id) => {
      const kc = new KubeConfig();
      kc.loadFromOptions({
        clusters: [{ name: 'fake', server: url, skipTLSVerify: true }],
        users: [{ name: id, token: id }],
        contexts: [{ name: 'ctx', cluster: 'fake', user: id }],
        currentContext: 'ctx',
      });
      let scheduler: SyncScheduler | undefined;
      const stoppedAt: number[] = [];
      const elector = new LeaderElector({
        kubeConfig: kc,
        namespace: 'baton',
        name: 'lease',
        identity: id,
        clock,
        random: () => 0.5,
        onStartedLeading: () => {
          scheduler = new SyncScheduler({
            schedule: { intervalMs: 10_000, active: true, runOnStart: true },
            clock,
            run: async (_trigger, signal) => {
              const start = clock.now();
              try {
                await clock.sleep(4_000, signal);
              } finally {
                runs.push({ replica: id, start, end: clock.now() });
              }
            },
          });
          scheduler.start();
        },
        onStoppedLeading: () => {
          stoppedAt.push(clock.now());
          void scheduler?.stop();
        },
      });
      return { id, elector, stoppedAt };
    });

    const settle = async () => {
      for (;;) {
        const busy = replicas.filter((r) => r.elector.phase === 'requesting' && !partitioned.has(r.id));
        if (!busy.length) return;
        await Promise.all(busy.map((r) => new Promise((res) => r.elector.once('phase', res))));
      }
    };
    const runFor = async (ms: number) => {
      const end = clock.now() + ms;
      while ((clock.nextDue() ?? Infinity) <= end) {
        await settle();
        await clock.advanceToNext();
      }
      await settle();
    };

    for (const r of replicas) r.elector.start();
    await runFor(45_000);
    const first = replicas.find((r) => r.elector.isLeader)!;
    assert.ok(first, 'a leader was elected');
    assert.ok(runs.filter((r) => r.replica === first.id).length >= 3, 'the leader synced on schedule');
    assert.ok(
      runs.every((r) => r.replica === first.id),
      'the standby never synced',
    );

    partitioned.add(first.id);
    fake.partition(first.id, 'refuse');
    await runFor(60_000);
    const second = replicas.find((r) => r !== first)!;
    assert.ok(second.elector.isLeader, 'the standby took over');
    assert.ok(
      runs.some((r) => r.replica === second.id),
      'and synced',
    );

    const lostAt = first.stoppedAt[0]!;
    assert.ok(lostAt !== undefined, 'the partitioned leader stepped down');
    for (const r of runs.filter((x) => x.replica === first.id))
      assert.ok(r.end <= lostAt, 'no sync after losing the lease');
    for (const r of runs.filter((x) => x.replica === second.id))
      assert.ok(r.start >= lostAt, 'no sync before the old leader stopped');
    const sorted = [...runs].sort((x, y) => x.start - y.start);
    for (let i = 1; i < sorted.length; i++) {
      assert.ok(
        sorted[i]!.start >= sorted[i - 1]!.end,
        `overlap: ${JSON.stringify([sorted[i - 1], sorted[i]])}`,
      );
    }
    for (const r of replicas) await r.elector.stop();
  });
});
