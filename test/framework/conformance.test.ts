import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  checkCompleteOrFailed,
  checkEntitlement,
  checkGrant,
  checkResource,
  checkResourceId,
  checkSyncer,
  checkSyncers,
  ConformanceError,
  exhaustPages,
} from '../../src/framework/conformance.js';
import { entitlementId, grantId } from '../../src/framework/ids.js';
import type { Entitlement, Grant, Page, Resource, ResourceSyncer } from '../../src/framework/types.js';
import { tempDir } from './engine/support/harness.js';

const DECLARED = ['team', 'person'];
const TEAM = { resourceType: 'team', resource: 't1' };

function pages<T>(book: Record<string, Page<T>>): (t: string | undefined) => Promise<Page<T>> {
  return (t) => Promise.resolve(book[t ?? '']!);
}

function rejectsWith(re: RegExp): (e: unknown) => boolean {
  return (e) => e instanceof ConformanceError && re.test(e.message);
}

function throwsWith(fn: () => void, re: RegExp): void {
  assert.throws(fn, rejectsWith(re));
}

const resource = (id = 't1', type = 'team'): Resource => ({
  id: { resourceType: type, resource: id },
  displayName: id,
  profile: {},
});

const member = (on = TEAM): Entitlement => ({
  id: entitlementId(on, 'member'),
  resource: on,
  slug: 'member',
  purpose: 'assignment',
  grantableTo: ['person'],
  displayName: 'member',
});

const grantOf = (e: string, id = 'p1', type = 'person'): Grant => ({
  id: grantId(e, { type, id }),
  entitlement: e,
  principal: { type, id },
});

/** A well-behaved syncer of teams with one member each, which a test then breaks in one place. */
function teamSyncer(patch: Partial<ResourceSyncer> = {}): ResourceSyncer {
  return {
    resourceType: { id: 'team', displayName: 'Team', traits: ['group'] },
    list: pages({ '': { items: [resource('t1')], nextPageToken: 'a' }, a: { items: [resource('t2')] } }),
    entitlements: (r) => [member(r.id)],
    grants: (r) => Promise.resolve({ items: [grantOf(entitlementId(r.id, 'member'))] }),
    ...patch,
  };
}

describe('conformance helpers', () => {
  describe('paging', () => {
    it('walks every page of a listing that keeps the rules', async () => {
      const items = await exhaustPages(
        'n',
        pages({
          '': { items: [1], nextPageToken: 'a' },
          a: { items: [], nextPageToken: 'b' },
          b: { items: [2] },
        }),
        { key: String },
      );
      assert.deepEqual(items, [1, 2]);
    });

    it('catches a token handed back unchanged', async () => {
      await assert.rejects(
        exhaustPages(
          'n',
          pages({ '': { items: [1], nextPageToken: 'a' }, a: { items: [2], nextPageToken: 'a' } }),
        ),
        rejectsWith(/n: page 2 handed back the token it was given \("a"\)/),
      );
    });

    it('catches a token that comes back later', async () => {
      await assert.rejects(
        exhaustPages(
          'n',
          pages({
            '': { items: [], nextPageToken: 'a' },
            a: { items: [], nextPageToken: 'b' },
            b: { items: [], nextPageToken: 'a' },
          }),
        ),
        rejectsWith(/n: page token "a" repeated at page 3/),
      );
    });

    it('catches a listing that does not end', async () => {
      let n = 0;
      await assert.rejects(
        exhaustPages('n', () => Promise.resolve({ items: [], nextPageToken: String(++n) }), { maxPages: 50 }),
        rejectsWith(/n: no last page after 50 pages/),
      );
    });

    it('catches an item emitted twice', async () => {
      await assert.rejects(
        exhaustPages('n', pages({ '': { items: [1], nextPageToken: 'a' }, a: { items: [1] } }), {
          key: String,
        }),
        rejectsWith(/n: 1 emitted twice \(page 2\)/),
      );
    });
  });

  describe('ids', () => {
    it('accepts well-formed resources, entitlements and grants (a resource id may hold ":")', () => {
      checkResource(resource('owner:key'), 'team', DECLARED);
      checkEntitlement(member(), TEAM, DECLARED);
      checkGrant(grantOf('team:t1:member'), TEAM, DECLARED);
      checkGrant({ ...grantOf('team:t1:member', 't2', 'team'), expandable: ['team:t2:member'] }, TEAM, [
        'team',
      ]);
    });

    it('catches malformed or undeclared resource ids and a resource of another type', () => {
      throwsWith(
        () => checkResourceId({ resourceType: 'te:am', resource: 'x' }),
        /type "te:am" is empty or holds ":"/,
      );
      throwsWith(() => checkResourceId({ resourceType: 'team', resource: '' }), /team:: empty resource id/);
      throwsWith(
        () => checkResourceId({ resourceType: 'robot', resource: 'r' }, DECLARED),
        /robot is not a declared/,
      );
      throwsWith(
        () => checkResource(resource('p1', 'person'), 'team', DECLARED),
        /listed by the team syncer/,
      );
    });

    it('catches entitlements with a wrong id, resource, or grantee type', () => {
      throwsWith(
        () => checkEntitlement({ ...member(), id: 'team:t1/member' }, TEAM, DECLARED),
        /not <resourceType>/,
      );
      throwsWith(
        () => checkEntitlement(member({ resourceType: 'team', resource: 't2' }), TEAM, DECLARED),
        /offered by team:t1 but names team:t2/,
      );
      throwsWith(
        () => checkEntitlement({ ...member(), grantableTo: ['robot'] }, TEAM, DECLARED),
        /grantable to robot/,
      );
      throwsWith(() => checkEntitlement({ ...member(), grantableTo: [] }, TEAM, DECLARED), /grantable to no/);
    });

    it('catches grants with a wrong id, entitlement, principal type or expansion', () => {
      const good = grantOf('team:t1:member');
      throwsWith(
        () => checkGrant({ ...good, id: 'team:t1:member:p1' }, TEAM, DECLARED),
        /not <entitlementId>/,
      );
      throwsWith(
        () => checkGrant({ ...good, principal: { type: 'person', id: 'p2' } }, TEAM, DECLARED),
        /not <entitlementId>:<principalType>:<principalId> \(team:t1:member:person:p2\)/,
      );
      throwsWith(() => checkGrant(grantOf('team:t2:member'), TEAM, DECLARED), /listed for team:t1 but of/);
      throwsWith(() => checkGrant(grantOf('team:t1:member', 'r1', 'robot'), TEAM, DECLARED), /robot is not/);
      throwsWith(() => checkGrant({ ...good, expandable: ['team:t2'] }, TEAM, DECLARED), /expands team:t2/);
    });
  });

  describe('syncers', () => {
    it('counts what a well-behaved connector lists', async () => {
      assert.deepEqual(await checkSyncer(teamSyncer(), DECLARED), {
        resources: 2,
        entitlements: 2,
        grants: 2,
      });
      const person: ResourceSyncer = {
        resourceType: { id: 'person', displayName: 'Person', traits: ['user'] },
        list: pages({ '': { items: [resource('p1', 'person')] } }),
        entitlements: () => [],
        grants: () => Promise.resolve({ items: [] }),
      };
      const counts = await checkSyncers([teamSyncer(), person]);
      assert.deepEqual([...counts.keys()], ['team', 'person']);
    });

    it('catches a syncer listing a resource twice or one of another type', async () => {
      const twice = teamSyncer({
        list: pages({ '': { items: [resource('t1')], nextPageToken: 'a' }, a: { items: [resource('t1')] } }),
      });
      await assert.rejects(checkSyncer(twice), rejectsWith(/team resources: team:t1 emitted twice/));
      const stray = teamSyncer({ list: pages({ '': { items: [resource('p1', 'person')] } }) });
      await assert.rejects(checkSyncer(stray, DECLARED), rejectsWith(/person:p1 listed by the team syncer/));
    });

    it('catches grant paging that repeats a token, and a grant listed twice', async () => {
      const looping = teamSyncer({
        grants: () => Promise.resolve({ items: [], nextPageToken: 'x' }),
      });
      await assert.rejects(checkSyncer(looping, DECLARED), rejectsWith(/team:t1 grants: page 2 handed back/));
      const g = grantOf('team:t1:member');
      const doubled = teamSyncer({ grants: () => Promise.resolve({ items: [g, g] }) });
      await assert.rejects(checkSyncer(doubled, DECLARED), rejectsWith(/team:t1 grants: .* emitted twice/));
    });

    it('catches an entitlement offered twice, a bad grant, and two syncers of one type', async () => {
      const e = member();
      await assert.rejects(
        checkSyncer(teamSyncer({ entitlements: () => [e, e] }), DECLARED),
        rejectsWith(/offered twice/),
      );
      // Principals of a type the connector does not declare.
      await assert.rejects(checkSyncers([teamSyncer()]), rejectsWith(/grantable to person, not a declared/));
      await assert.rejects(checkSyncers([teamSyncer(), teamSyncer()]), rejectsWith(/team has two syncers/));
    });
  });

  describe('complete or failed', () => {
    let tmp: ReturnType<typeof tempDir>;
    beforeEach(() => (tmp = tempDir()));
    afterEach(() => tmp.cleanup());

    it('passes a failed sync that wrote nothing, and returns its error', async () => {
      const out = join(tmp.dir, 'x.snap');
      await writeFile(out, 'previous');
      const err = await checkCompleteOrFailed(out, () => Promise.reject(new Error('down')));
      assert.match((err as Error).message, /down/);
    });

    it('catches a sync that succeeds, writes a snapshot, replaces the previous one, or leaves a partial file', async () => {
      const out = join(tmp.dir, 'x.snap');
      await assert.rejects(
        checkCompleteOrFailed(out, () => Promise.resolve()),
        rejectsWith(/meant to fail and succeeded/),
      );
      const writing =
        (path: string, text = 'half') =>
        async () => {
          await writeFile(path, text);
          throw new Error('down');
        };
      await assert.rejects(
        checkCompleteOrFailed(out, writing(out)),
        rejectsWith(/a failed sync wrote a snapshot/),
      );
      await assert.rejects(
        checkCompleteOrFailed(out, writing(out, 'other')),
        rejectsWith(/replaced or removed the previous snapshot/),
      );
      await assert.rejects(
        checkCompleteOrFailed(join(tmp.dir, 'y.snap'), writing(join(tmp.dir, 'y.snap.tmp'))),
        rejectsWith(/a failed sync left .*y\.snap\.tmp/),
      );
    });
  });
});
