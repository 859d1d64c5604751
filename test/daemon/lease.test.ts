import assert from 'node:assert/strict';
import { CoordinationV1Api, KubeConfig, V1MicroTime } from '@kubernetes/client-node';
import { LeaderElector, defaultIdentity, type LeaderElectorOptions } from '../../src/daemon/lease.js';
import { FakeApiServer } from '../support/fake-apiserver.js';
import { ManualClock } from '../support/manual-clock.js';

// These tests run client-node against an in-process fake of the Lease API. Real-cluster E2E (a real
// kube-apiserver, RBAC, network) is not covered: no apiserver can run in this environment.

const NS = 'baton';
const NAME = 'baton-entra-leader';
const MICRO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;

function kubeConfig(server: string, token: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'fake', server, skipTLSVerify: true }],
    users: [{ name: token, token }],
    contexts: [{ name: 'ctx', cluster: 'fake', user: token }],
    currentContext: 'ctx',
  });
  return kc;
}

interface Tracked {
  e: LeaderElector;
  started: number[];
  stopped: number[];
  leaders: string[];
}

describe('LeaderElector (fake apiserver; real-cluster E2E not covered)', function () {
  let fake: FakeApiServer;
  let url: string;
  let clock: ManualClock;
  let tracked: Tracked[];
  const partitioned = new Set<string>();

  beforeEach(async () => {
    fake = new FakeApiServer();
    url = await fake.start();
    clock = new ManualClock();
    tracked = [];
    partitioned.clear();
  });
  afterEach(async () => {
    await fake.close(); // first, so a release attempt fails fast instead of waiting on the manual clock
    await Promise.all(tracked.map((t) => t.e.stop()));
  });

  function elector(id: string, extra: Partial<LeaderElectorOptions> = {}): Tracked {
    const t: Tracked = { started: [], stopped: [], leaders: [] } as unknown as Tracked;
    t.e = new LeaderElector({
      kubeConfig: kubeConfig(url, id),
      namespace: NS,
      name: NAME,
      identity: id,
      clock,
      random: () => 0.5,
      onStartedLeading: () => t.started.push(clock.now()),
      onStoppedLeading: () => t.stopped.push(clock.now()),
      onNewLeader: (l) => t.leaders.push(l),
      ...extra,
    });
    tracked.push(t);
    return t;
  }

  /** Waits until every elector that can get an answer has got it and is waiting on the clock. */
  async function settle(): Promise<void> {
    for (;;) {
      const busy = tracked.filter((t) => t.e.phase === 'requesting' && !partitioned.has(t.e.identity));
      if (!busy.length) return;
      await Promise.all(busy.map((t) => new Promise((r) => t.e.once('phase', r))));
    }
  }

  /** Steps the clock timer by timer until `cond` holds, checking `invariant` at every step. */
  async function runUntil(cond: () => boolean, limitMs: number, invariant?: () => void): Promise<number> {
    const start = clock.now();
    for (;;) {
      await settle();
      invariant?.();
      if (cond()) return clock.now();
      assert.ok(clock.now() - start <= limitMs, `condition not reached within ${limitMs} ms of clock time`);
      await clock.advanceToNext();
    }
  }

  const leaders = () => tracked.filter((t) => t.e.isLeader);
  const atMostOne = () =>
    assert.ok(leaders().length <= 1, `two leaders: ${leaders().map((t) => t.e.identity)}`);

  it('elects exactly one leader among three and keeps it while it renews', async () => {
    for (const id of ['a', 'b', 'c']) elector(id).e.start();
    await runUntil(() => leaders().length === 1, 5_000, atMostOne);
    const first = leaders()[0]!;
    await runUntil(() => false, 30_000, atMostOne).catch(() => undefined);
    assert.equal(leaders().length, 1);
    assert.equal(leaders()[0], first, 'leadership is stable');
    const lease = fake.lease(NS, NAME)!;
    assert.equal(lease.spec.holderIdentity, first.e.identity);
    assert.equal(lease.spec.leaseTransitions, 0);
    assert.equal(lease.spec.leaseDurationSeconds, 15);
    assert.match(lease.spec.acquireTime!, MICRO);
    assert.match(lease.spec.renewTime!, MICRO);
    assert.ok(Number(lease.metadata.resourceVersion) > 1010, 'renewed many times');
    for (const t of tracked) assert.ok(t.leaders.includes(first.e.identity), 'everyone observed the leader');
    assert.ok(tracked.every((t) => t.e.healthy()));
  });

  it('fails over quickly after the leader stops and releases the lease', async () => {
    for (const id of ['a', 'b', 'c']) elector(id).e.start();
    await runUntil(() => leaders().length === 1, 5_000, atMostOne);
    const old = leaders()[0]!;
    await old.e.stop();
    assert.equal(old.stopped.length, 1);
    const released = fake.lease(NS, NAME)!;
    assert.equal(released.spec.holderIdentity, '');
    assert.equal(released.spec.leaseDurationSeconds, 1);
    const t0 = clock.now();
    const at = await runUntil(() => leaders().length === 1, 10_000, atMostOne);
    assert.ok(at - t0 <= 1.2 * 2_000, `failover took ${at - t0} ms`);
    assert.notEqual(leaders()[0], old);
    assert.equal(fake.lease(NS, NAME)!.spec.leaseTransitions, 1);
  });

  it('a partitioned leader stops leading before another acquires; failover within leaseDuration + 2 retry periods', async () => {
    for (const id of ['a', 'b', 'c']) elector(id).e.start();
    await runUntil(() => leaders().length === 1, 5_000, atMostOne);
    await runUntil(() => false, 6_000).catch(() => undefined);
    const old = leaders()[0]!;
    const lastRenew = Date.parse(fake.lease(NS, NAME)!.spec.renewTime!);
    partitioned.add(old.e.identity);
    fake.partition(old.e.identity, 'refuse');
    const p = clock.now();
    await runUntil(() => tracked.some((t) => t !== old && t.e.isLeader), 30_000, atMostOne);
    const next = tracked.find((t) => t !== old && t.e.isLeader)!;
    assert.equal(old.stopped.length, 1);
    assert.ok(old.stopped[0]! <= lastRenew + 10_000, 'stepped down within renewDeadline of its last renew');
    assert.ok(old.stopped[0]! < next.started[0]!, 'old leader stopped before the new one started');
    // General bound: one jittered period to see the last renew, the lease, one period to notice
    // expiry. In this deterministic run (jitter fixed at 1.1×) it is within leaseDuration + retry.
    const failover = next.started[0]! - p;
    assert.ok(failover <= 15_000 + 2 * 1.2 * 2_000, `failover took ${failover} ms`);
    assert.ok(failover <= 15_000 + 2_000, `failover took ${failover} ms (> leaseDuration + retryPeriod)`);
    assert.equal(fake.lease(NS, NAME)!.spec.leaseTransitions, 1);
    // Healed, the old leader sees the new holder and stays a follower.
    fake.heal(old.e.identity);
    partitioned.delete(old.e.identity);
    await runUntil(() => old.leaders.includes(next.e.identity), 10_000, atMostOne);
    assert.equal(old.e.isLeader, false);
  });

  it('a leader whose requests hang steps down at the renew deadline', async () => {
    const a = elector('a');
    a.e.start();
    await runUntil(() => a.e.isLeader, 5_000);
    const b = elector('b');
    b.e.start();
    await runUntil(() => b.leaders.includes('a'), 5_000);
    const lastRenew = Date.parse(fake.lease(NS, NAME)!.spec.renewTime!);
    partitioned.add('a');
    fake.partition('a', 'hang');
    await runUntil(() => b.e.isLeader, 30_000, atMostOne);
    assert.equal(a.stopped[0], lastRenew + 10_000, 'stepped down exactly at the deadline');
    // Requests cut off at their deadline are aborted, not left hanging.
    await runUntil(() => fake.hungTotal >= 4, 30_000);
    const closed = await runUntil(() => fake.hungRequests <= 1, 10_000).then(() => true);
    assert.ok(closed, `${fake.hungRequests} of ${fake.hungTotal} hung requests still open`);
    assert.ok(a.stopped[0]! < b.started[0]!);
  });

  it('a throwing callback does not break the election loop', async () => {
    const a = elector('a', {
      onStartedLeading: () => {
        throw new Error('boom');
      },
    });
    a.e.start();
    await runUntil(() => a.e.isLeader, 5_000);
    const rv = Number(fake.lease(NS, NAME)!.metadata.resourceVersion);
    await runUntil(() => Number(fake.lease(NS, NAME)!.metadata.resourceVersion) > rv + 2, 10_000);
    assert.equal(a.e.isLeader, true, 'still renewing');
  });

  it('retries after a 409 Conflict and keeps leading', async () => {
    const a = elector('a');
    a.e.start();
    await runUntil(() => a.e.isLeader, 5_000);
    let raced = false;
    fake.beforeRoute = (method) => {
      if (method !== 'PUT' || raced) return;
      raced = true;
      const cur = fake.lease(NS, NAME)!;
      fake.putLease(NS, NAME, { ...cur.spec }); // same content, new resourceVersion
    };
    await runUntil(
      () => raced && fake.log.filter((l) => l.method === 'PUT' && l.status === 200).length >= 3,
      20_000,
    );
    assert.ok(
      fake.log.some((l) => l.method === 'PUT' && l.status === 409),
      'a conflict was returned',
    );
    assert.equal(a.e.isLeader, true);
    assert.deepEqual(a.stopped, []);
  });

  it('creates the lease if missing and handles AlreadyExists on a creation race', async () => {
    fake.latencyMs = 20; // a slow apiserver (real time) changes nothing on the lease clock
    fake.failNext(409, { method: 'POST' });
    const a = elector('a');
    a.e.start();
    await runUntil(() => a.e.isLeader, 10_000);
    assert.equal(fake.log.filter((l) => l.method === 'POST').length, 2);
  });

  it('the fake rejects a MicroTime that is a plain Date (3 fractional digits)', async () => {
    const api = kubeConfig(url, 'x').makeApiClient(CoordinationV1Api);
    const bad = {
      metadata: { name: 'x', namespace: NS },
      spec: { renewTime: new Date() as unknown as V1MicroTime },
    };
    await assert.rejects(
      api.createNamespacedLease({ namespace: NS, body: bad }),
      (e: { code?: number }) => e.code === 400,
    );
    const good = { metadata: { name: 'x', namespace: NS }, spec: { renewTime: new V1MicroTime() } };
    const created = await api.createNamespacedLease({ namespace: NS, body: good });
    assert.equal(created.metadata?.name, 'x');
    await assert.rejects(
      api.replaceNamespacedLease({ name: 'x', namespace: NS, body: good }),
      (e: { code?: number }) => e.code === 409,
    );
  });

  it('healthy() fails when a leader has not renewed for longer than the lease (stalled loop)', async () => {
    const a = elector('a');
    a.e.start();
    await runUntil(() => a.e.isLeader, 5_000);
    assert.equal(a.e.healthy(), true);
    clock.jump(15_000 + 10_001);
    assert.equal(a.e.healthy(), false);
  });

  it('validates timings and builds identities', () => {
    const base = {
      namespace: NS,
      name: NAME,
      api: {} as never,
      onStartedLeading: () => undefined,
      onStoppedLeading: () => undefined,
    };
    assert.throws(
      () => new LeaderElector({ ...base, leaseDurationMs: 10_000, renewDeadlineMs: 10_000 }),
      /leaseDurationMs must be greater/,
    );
    assert.throws(
      () => new LeaderElector({ ...base, renewDeadlineMs: 2_000, retryPeriodMs: 2_000 }),
      /renewDeadlineMs must be greater than 1.2/,
    );
    assert.throws(
      () => new LeaderElector({ ...base, retryPeriodMs: 0, renewDeadlineMs: 1 }),
      /retryPeriodMs/,
    );
    assert.match(defaultIdentity({ POD_NAME: 'baton-entra-7d9f' }), /^baton-entra-7d9f_[0-9a-f]{12}$/);
    assert.notEqual(defaultIdentity({ POD_NAME: 'p' }), defaultIdentity({ POD_NAME: 'p' }));
  });
});
