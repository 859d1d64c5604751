import assert from 'node:assert/strict';
import { RESOURCE_TYPE_IDS } from '../../src/config/types.js';
import { collectPlan, entraConnector } from '../../src/connector/connector.js';
import type { GraphClient } from '../../src/graph/types.js';
import { testConfig } from '../framework/engine/support/harness.js';

/** Never called: the connector is only asked about its plan here. */
const noGraph = {} as GraphClient;

describe('the phases each syncer reads (early output)', () => {
  // Every phase the connector can plan: all types, devices and sign-in activity.
  const everything = testConfig({ syncDevices: true, signInActivity: true, syncResourceTypes: [] });
  const known = new Set(collectPlan(everything).map((p) => p.name));

  it('names only phases the connector has: a misspelt one would count as met and let a type out early', () => {
    const connector = entraConnector(everything, noGraph);
    for (const type of connector.outputTypes!()) {
      const needs = connector.outputNeeds!(type);
      for (const n of needs ?? [])
        assert.ok(known.has(n), `${type} needs ${n}, which is no phase of the plan`);
    }
  });

  it('leaves users and licences, and groups that read users, for after the collection', () => {
    const connector = entraConnector(everything, noGraph);
    assert.deepEqual(connector.outputTypes!(), RESOURCE_TYPE_IDS);
    assert.equal(connector.outputNeeds!('user'), undefined);
    assert.equal(connector.outputNeeds!('license'), undefined);
    assert.ok(connector.outputNeeds!('group')?.includes('groups'));
    assert.ok(connector.outputNeeds!('role')?.includes('users'), 'role edges name principals by id only');
    const skipping = entraConnector(testConfig({ skipAdGroups: true }), noGraph);
    assert.equal(skipping.outputNeeds!('group'), undefined);
    const keeping = entraConnector(
      testConfig({ skipAdGroups: true, includeOnPremGroupMembers: true }),
      noGraph,
    );
    assert.ok(keeping.outputNeeds!('group'));
  });
});
