import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import * as yaml from 'js-yaml';
import { DEPLOY_DIR, generateManifests, readDeployed } from './manifests.js';

describe('deploy/ raw manifests', function () {
  it('match the chart render (regenerate with `npx tsx test/deploy/manifests.ts`)', async () => {
    const expected = await generateManifests();
    assert.deepEqual(readdirSync(DEPLOY_DIR).sort(), Object.keys(expected).sort());
    for (const [file, text] of Object.entries(expected)) {
      const actual = readDeployed(file);
      assert.ok(actual, `deploy/${file} is missing`);
      // Compared as data: formatting may differ (prettier), content may not.
      assert.deepEqual(yaml.loadAll(actual), yaml.loadAll(text), `deploy/${file} is out of date`);
    }
  });

  it('the Secret example carries placeholders only', () => {
    const secret = yaml.load(readDeployed('secret.example.yaml')!) as { stringData: Record<string, string> };
    for (const [k, v] of Object.entries(secret.stringData)) {
      if (k === 'BATON_PROVISIONING') continue;
      assert.match(v, /^<[^>]+>(:443)?$/, `${k} must be a placeholder`);
    }
  });

  it('the namespace enforces the restricted Pod Security Standard', () => {
    const ns = yaml.load(readDeployed('namespace.yaml')!) as { metadata: { labels: Record<string, string> } };
    assert.equal(ns.metadata.labels['pod-security.kubernetes.io/enforce'], 'restricted');
  });
});
