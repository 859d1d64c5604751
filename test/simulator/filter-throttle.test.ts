import assert from 'node:assert/strict';
import fc from 'fast-check';
import { SimClock } from '../../src/simulator/clock.js';
import { evaluate, idOrList, parseFilter } from '../../src/simulator/graph/filter.js';
import { requestCost, Throttle } from '../../src/simulator/throttle.js';

describe('OData $filter parser', () => {
  const rec = {
    id: 'a',
    displayName: "O'Brien",
    accountEnabled: true,
    onPremisesSyncEnabled: null,
    assignedLicenses: [{ skuId: 's1', disabledPlans: [] }],
    proxyAddresses: ['SMTP:ob@x.example'],
    activityDateTime: '2026-03-01T10:00:00Z',
    initiatedBy: { user: { id: 'u9' } },
  };
  const cases: [string, boolean, boolean][] = [
    ["displayName eq 'O''Brien'", true, false],
    ["displayName eq 'o''brien'", true, false],
    ['accountEnabled eq true and not(onPremisesSyncEnabled eq true)', true, true],
    ['onPremisesSyncEnabled ne true', true, true],
    ["accountEnabled eq false or startswith(displayName,'O')", true, false],
    ["endswith(displayName,'ien')", true, true],
    ["assignedLicenses/any(x:x/skuId eq 's1')", true, false],
    ["assignedLicenses/any(x:x/skuId eq 's2')", false, false],
    ['assignedLicenses/any()', true, false],
    ["id in ('b','a')", true, false],
    ['activityDateTime ge 2026-03-01T00:00:00Z', true, false],
    ['activityDateTime lt 2026-03-01T00:00:00Z', false, false],
    ["initiatedBy/user/id eq 'u9'", true, false],
    ["(accountEnabled eq false or id eq 'a') and displayName ne 'x'", true, true],
    ["proxyAddresses/any(p:startswith(p,'smtp:'))", true, false],
  ];
  for (const [src, expected, advanced] of cases) {
    it(`${src} → ${expected}${advanced ? ' (advanced)' : ''}`, () => {
      const f = parseFilter(src);
      assert.equal(evaluate(f.root, rec), expected);
      assert.equal(f.advanced, advanced);
    });
  }

  it('rejects malformed clauses with a 400 naming the problem', () => {
    for (const bad of [
      "displayName eq 'open",
      'accountEnabled eq',
      'displayName like 1',
      'startswith(displayName)',
    ]) {
      assert.throws(
        () => parseFilter(bad),
        (e: { status: number; message: string }) =>
          e.status === 400 && /Invalid filter clause/.test(e.message),
      );
    }
  });

  it('any quoted string round-trips through eq', () => {
    fc.assert(
      fc.property(fc.string(), (s) => {
        const f = parseFilter(`displayName eq '${s.replace(/'/g, "''")}'`);
        return evaluate(f.root, { displayName: s });
      }),
    );
  });

  it('reads delta id filters and only those', () => {
    assert.deepEqual(idOrList(parseFilter("id eq 'a' or id eq 'b'").root), ['a', 'b']);
    assert.equal(idOrList(parseFilter("id eq 'a' and id eq 'b'").root), undefined);
  });
});

describe('resource-unit throttle', () => {
  it('costs follow the documented table and modifiers', () => {
    const q = (s: string) => new URLSearchParams(s);
    assert.equal(requestCost('GET', '/users', q('')).ru, 2);
    assert.equal(requestCost('GET', '/users', q('$select=id')).ru, 1);
    assert.equal(requestCost('GET', '/groups/g/members', q('$select=id')).ru, 2);
    assert.equal(requestCost('GET', '/groups/g/members', q('$expand=x&$top=10')).ru, 3);
    assert.equal(requestCost('GET', '/groups/g/transitiveMembers', q('')).ru, 5);
    assert.equal(requestCost('GET', '/subscribedSkus', q('')).ru, 3);
    assert.equal(requestCost('GET', '/organization', q('$select=id&$top=1')).ru, 1, 'minimum 1');
    assert.deepEqual(requestCost('POST', '/groups/g/members/$ref', q('')), { ru: 1, write: true });
  });

  it('the write quota allows 3,000 writes per 150 s, refilled from the clock', () => {
    let now = 0;
    const t = new Throttle(new SimClock(() => now, true), 1_000_000);
    for (let i = 0; i < 3000; i++) assert.ok(t.charge('app', 'tenant', 1, true).ok);
    const v = t.charge('app', 'tenant', 1, true);
    assert.equal(v.ok, false);
    assert.match(v.scope ?? '', /^Tenant_Application\/Write\//);
    assert.ok(Math.abs((v.retryAfterS ?? 0) - 0.05) < 0.001, 'one write refills every 50 ms');
    now += 50;
    assert.ok(t.charge('app', 'tenant', 1, true).ok);
    assert.ok(t.charge('other-app', 'tenant', 1, true).ok, 'quotas are per app+tenant');
  });
});
