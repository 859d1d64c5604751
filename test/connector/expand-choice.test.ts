import assert from 'node:assert/strict';
import {
  assignmentCosts,
  chooseExpand,
  ownerCosts,
  readShape,
} from '../../src/connector/enterprise-application/expand-choice.js';

describe('the $expand choice for service principals’ relationships', () => {
  it('expands assignments unless most service principals reach the cap', () => {
    // 2,000 service principals, 4 at the cap: 20 expanded pages and a batch, against 3 pages and 100 batches.
    assert.deepEqual(assignmentCosts(2000, 4), [
      { http: 21, metered: 24 },
      { http: 103, metered: 2003 },
    ]);
    assert.equal(chooseExpand('auto', assignmentCosts(2000, 4)).expand, true);
    // Nearly all at the cap: the expansion saves nothing and pages ten times as often.
    assert.equal(chooseExpand('auto', assignmentCosts(2000, 1900)).expand, false);
  });

  it('expands owners when the synced apps outnumber a fifth of the service principals', () => {
    // Few apps among many service principals (Microsoft's own, managed identities): a batch each 20.
    assert.equal(chooseExpand('auto', ownerCosts(3000, 100, 0)).expand, false);
    assert.equal(chooseExpand('auto', ownerCosts(3000, 2500, 10)).expand, true);
    // As many HTTP requests either way: the one Graph meters less wins.
    const tie = ownerCosts(22, 14, 0);
    assert.equal(tie[0].http, tie[1].http);
    assert.equal(chooseExpand('auto', tie).expand, true);
  });

  it('follows the setting, and with no estimate (auto) expands', () => {
    assert.equal(chooseExpand('never', assignmentCosts(2000, 4)).expand, false);
    assert.equal(chooseExpand('always', assignmentCosts(2000, 1900)).expand, true);
    assert.deepEqual(chooseExpand('auto', undefined), { expand: true, reason: 'no earlier listing' });
    assert.equal(chooseExpand('never', undefined).expand, false);
  });

  it('reads the kept figures, ignoring anything malformed', () => {
    assert.deepEqual(readShape('{"total":10,"overflow":2}'), { total: 10, overflow: 2 });
    for (const bad of [undefined, '', 'x', '{"total":-1,"overflow":0}', '{"total":1.5,"overflow":0}', '[]'])
      assert.equal(readShape(bad), undefined, String(bad));
  });
});
