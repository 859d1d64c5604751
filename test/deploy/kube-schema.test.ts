import assert from 'node:assert/strict';
import { problems } from './kube-schema.js';
import type { K8sObject } from './helm.js';

// The offline schema check that every chart render in these tests goes through (helm.ts render).

const deployment = (): K8sObject => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'd', labels: { a: 'b' } },
  spec: {
    selector: { matchLabels: { a: 'b' } },
    template: {
      metadata: { labels: { a: 'b' } },
      spec: {
        containers: [{ name: 'c', image: 'i', ports: [{ containerPort: 8080 }], securityContext: {} }],
        volumes: [{ name: 'tmp', emptyDir: {} }],
      },
    },
  },
});

describe('Kubernetes schema check for rendered objects', () => {
  it('accepts a valid object', async () => {
    assert.deepEqual(await problems(deployment()), []);
  });

  it('reports a wrong type with its path', async () => {
    const d = deployment() as K8sObject & {
      spec: { template: { spec: { containers: { ports: unknown[] }[] } } };
    };
    d.spec.template.spec.containers[0]!.ports[0] = { containerPort: 'eighty' };
    const p = await problems(d);
    assert.equal(p.length, 1, p.join('\n'));
    assert.match(p[0]!, /containers\/0\/ports\/0\/containerPort fails type/);
  });

  it('reports unknown fields at any depth, which the schemas alone let through', async () => {
    const d = deployment() as K8sObject & {
      spec: Record<string, unknown> & {
        template: { spec: { containers: { securityContext: Record<string, unknown> }[] } };
      };
    };
    d.spec.replicaz = 2;
    d.spec.template.spec.containers[0]!.securityContext.readOnlyRootFileSystem = true;
    assert.deepEqual((await problems(d)).sort(), [
      'Deployment d: unknown field spec.replicaz',
      'Deployment d: unknown field spec.template.spec.containers.0.securityContext.readOnlyRootFileSystem',
    ]);
  });

  it('checks Prometheus Operator objects and refuses apiVersions older clusters do not serve', async () => {
    const sm: K8sObject = {
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'ServiceMonitor',
      metadata: { name: 's' },
      spec: { selector: {}, endpoints: [{ port: 'http', intervall: '30s' }] },
    };
    assert.deepEqual(await problems(sm), ['ServiceMonitor s: unknown field spec.endpoints.0.intervall']);
    const beta = { ...deployment(), apiVersion: 'policy/v1beta1', kind: 'PodDisruptionBudget' };
    assert.match((await problems(beta))[0]!, /policy\/v1beta1 is not served/);
  });
});
