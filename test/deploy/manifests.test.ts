import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import * as yaml from 'js-yaml';
import { kubectl, parseDocs } from './helm.js';
import { assertValid } from './kube-schema.js';
import { DEPLOY_DIR, generateManifests, readDeployed } from './manifests.js';

/** Every string anywhere in `value`, with its path. */
function strings(value: unknown, path = ''): [string, string][] {
  if (typeof value === 'string') return [[path, value]];
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([k, v]) => strings(v, `${path}.${k}`));
}

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

  it('move wholesale to another namespace under a kustomize overlay (nothing left pointing at "baton")', async () => {
    const overlay = mkdtempSync(join(tmpdir(), 'baton-overlay-'));
    writeFileSync(
      join(overlay, 'kustomization.yaml'),
      yaml.dump({
        apiVersion: 'kustomize.config.k8s.io/v1beta1',
        kind: 'Kustomization',
        namespace: 'sync-prod',
        resources: [relative(overlay, DEPLOY_DIR)],
      }),
    );
    const res = await kubectl(['kustomize', overlay]);
    assert.equal(res.code, 0, res.stderr);
    const objs = parseDocs(res.stdout);
    assert.ok(objs.some((o) => o.kind === 'Deployment'));
    await assertValid(objs);
    for (const o of objs) {
      if (o.kind === 'Namespace') assert.equal(o.metadata.name, 'sync-prod');
      else assert.equal(o.metadata.namespace, 'sync-prod', `${o.kind} ${o.metadata.name}`);
      for (const [path, v] of strings(o)) {
        if (path.includes('.labels.')) continue; // app.kubernetes.io/part-of: baton names the suite
        assert.notEqual(v, 'baton', `${o.kind} ${o.metadata.name} ${path}`);
      }
    }
    const deployment = objs.find((o) => o.kind === 'Deployment') as unknown as {
      spec: { template: { spec: { containers: { env: { name: string; valueFrom?: unknown }[] }[] } } };
    };
    const leaseNs = deployment.spec.template.spec.containers[0]!.env.find(
      (e) => e.name === 'BATON_LEASE_NAMESPACE',
    );
    assert.deepEqual(leaseNs?.valueFrom, { fieldRef: { fieldPath: 'metadata.namespace' } });
  });
});
