import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { installShutdown, type ShutdownStep } from '../../src/daemon/shutdown.js';
import { ManualClock, flushMicrotasks } from '../support/manual-clock.js';

function setup(steps: ShutdownStep[], timeoutMs = 10_000) {
  const source = new EventEmitter();
  const clock = new ManualClock();
  const exits: number[] = [];
  let exited: (code: number) => void;
  const exitedP = new Promise<number>((r) => (exited = r));
  const handle = installShutdown({
    timeoutMs,
    steps,
    exit: (c) => {
      exits.push(c);
      exited(c);
    },
    clock,
    source,
  });
  return { source, clock, exits, exitedP, handle };
}

describe('installShutdown', () => {
  it('runs the steps in order on SIGTERM and exits 0', async () => {
    const order: string[] = [];
    const step = (name: string): ShutdownStep => ({ name, run: async () => void order.push(name) });
    const { source, exitedP, exits, handle } = setup([step('scheduler'), step('lease'), step('http')]);
    source.emit('SIGTERM', 'SIGTERM');
    assert.equal(await exitedP, 0);
    assert.deepEqual(order, ['scheduler', 'lease', 'http']);
    assert.deepEqual(exits, [0]);
    assert.equal(handle.shuttingDown, true);
    assert.equal(source.listenerCount('SIGTERM'), 1);
    handle.uninstall();
    assert.equal(source.listenerCount('SIGTERM'), 0);
  });

  it('a failing step does not stop later steps; the exit code is 1', async () => {
    const order: string[] = [];
    const { source, exitedP } = setup([
      { name: 'sync', run: async () => Promise.reject(new Error('boom')) },
      { name: 'lease', run: async () => void order.push('lease') },
    ]);
    source.emit('SIGINT', 'SIGINT');
    assert.equal(await exitedP, 1);
    assert.deepEqual(order, ['lease']);
  });

  it('bounds each step and the whole shutdown with the clock', async () => {
    const order: string[] = [];
    const never = () => new Promise<void>(() => undefined);
    const { source, clock, exitedP, exits } = setup(
      [
        { name: 'sync', run: never, timeoutMs: 3_000 },
        { name: 'lease', run: async () => void order.push('lease') },
        { name: 'hang', run: never },
        { name: 'http', run: async () => void order.push('http') },
      ],
      10_000,
    );
    source.emit('SIGTERM', 'SIGTERM');
    await clock.advanceAsync(2_999);
    assert.deepEqual(order, [], 'still waiting on the sync step');
    await clock.advanceAsync(1);
    assert.deepEqual(order, ['lease'], 'the next step runs after the bound');
    await clock.advanceAsync(7_000);
    assert.equal(await exitedP, 1);
    assert.deepEqual(order, ['lease'], 'no time left for http: skipped');
    assert.equal(clock.now() - Date.UTC(2026, 0, 1), 10_000, 'within the overall bound');
    assert.deepEqual(exits, [1]);
  });

  it('a second signal forces exit immediately', async () => {
    const { source, exits } = setup([{ name: 'hang', run: () => new Promise<void>(() => undefined) }]);
    source.emit('SIGTERM', 'SIGTERM');
    await flushMicrotasks();
    assert.deepEqual(exits, []);
    source.emit('SIGTERM', 'SIGTERM');
    assert.deepEqual(exits, [1]);
  });

  it('shutdown() can be started programmatically and is idempotent', async () => {
    let runs = 0;
    const { handle, exitedP } = setup([{ name: 'x', run: async () => void runs++ }]);
    const [a, b] = await Promise.all([handle.shutdown('lost leadership'), handle.shutdown('again')]);
    assert.equal(a, 0);
    assert.equal(b, 0);
    assert.equal(await exitedP, 0);
    assert.equal(runs, 1);
  });
});
