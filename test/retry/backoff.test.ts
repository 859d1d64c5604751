import assert from 'node:assert/strict';
import { backoffDelay, DEFAULT_BACKOFF } from '../../src/retry/backoff.js';

describe('backoff', () => {
  it('full jitter stays under a ceiling doubling from 1 s to 60 s by default', () => {
    assert.equal(
      backoffDelay(1, DEFAULT_BACKOFF, () => 0.999),
      999,
    );
    assert.equal(
      backoffDelay(3, DEFAULT_BACKOFF, () => 0.5),
      2000,
    );
    assert.equal(
      backoffDelay(20, DEFAULT_BACKOFF, () => 0.5),
      30_000,
    );
    assert.equal(
      backoffDelay(4, DEFAULT_BACKOFF, () => 0),
      0,
    );
  });

  it('takes another policy (the control-plane agent: its own start and cap)', () => {
    const policy = { initialMs: 50, maxMs: 300 };
    const ceilings = [1, 2, 3, 4, 5].map((n) => backoffDelay(n, policy, () => 0.9999999));
    assert.deepEqual(ceilings, [49, 99, 199, 299, 299]);
  });

  it('a very long outage neither overflows nor passes the cap', () => {
    assert.equal(
      backoffDelay(10_000, DEFAULT_BACKOFF, () => 0.5),
      30_000,
    );
    assert.equal(
      backoffDelay(0, DEFAULT_BACKOFF, () => 0.5),
      500,
    );
  });
});
