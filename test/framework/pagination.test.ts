import assert from 'node:assert/strict';
import { ConnectorBugError } from '../../src/framework/errors.js';
import { entitlementId, grantId, parseEntitlementId } from '../../src/framework/ids.js';
import { drainPages } from '../../src/framework/pagination.js';
import type { Page } from '../../src/framework/types.js';

async function collect<T>(it: AsyncIterable<T[]>): Promise<T[]> {
  const out: T[] = [];
  for await (const page of it) out.push(...page);
  return out;
}

describe('framework paging', () => {
  it('drains every page in order', async () => {
    const pages: Record<string, Page<number>> = {
      '': { items: [1, 2], nextPageToken: 'a' },
      a: { items: [], nextPageToken: 'b' },
      b: { items: [3] },
    };
    assert.deepEqual(await collect(drainPages('n', async (t) => pages[t ?? '']!)), [1, 2, 3]);
  });

  it('fails on a repeated page token instead of looping or stopping early', async () => {
    const pages: Record<string, Page<number>> = {
      '': { items: [1], nextPageToken: 'a' },
      a: { items: [2], nextPageToken: 'b' },
      b: { items: [3], nextPageToken: 'a' },
    };
    await assert.rejects(
      collect(drainPages('numbers', async (t) => pages[t ?? '']!)),
      (e: Error) => e instanceof ConnectorBugError && /numbers: page token repeated/.test(e.message),
    );
  });

  it('stops when the signal is aborted', async () => {
    const ac = new AbortController();
    ac.abort(new Error('stop'));
    await assert.rejects(collect(drainPages('n', async () => ({ items: [1] }), ac.signal)), /stop/);
  });

  it('ids follow the Baton format', () => {
    const e = entitlementId({ resourceType: 'enterprise_application', resource: 'sp1' }, 'assignment:r1');
    assert.equal(e, 'enterprise_application:sp1:assignment:r1');
    assert.equal(grantId(e, { type: 'user', id: 'u1' }), 'enterprise_application:sp1:assignment:r1:user:u1');
    assert.deepEqual(parseEntitlementId(e), {
      resource: { resourceType: 'enterprise_application', resource: 'sp1' },
      slug: 'assignment:r1',
    });
    assert.throws(() => parseEntitlementId('group:g1'), /not <resourceType>/);
  });
});
