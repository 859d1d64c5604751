import assert from 'node:assert/strict';
import { join } from 'node:path';
import { CHART_DIR, find, helm, render, renderRaw, type K8sObject } from './helm.js';

// Renders the chart with the real helm binary (offline) and asserts on the parsed objects.

interface Container {
  name: string;
  image: string;
  args?: string[];
  env: { name: string; value?: string; valueFrom?: { fieldRef?: { fieldPath: string } } }[];
  envFrom?: unknown;
  securityContext: Record<string, unknown>;
  startupProbe: { httpGet: { path: string; port: string } };
  livenessProbe: { httpGet: { path: string; port: string } };
  readinessProbe: { httpGet: { path: string; port: string } };
  volumeMounts: { name: string; mountPath: string; readOnly?: boolean; subPath?: string }[];
  resources: { requests?: Record<string, string>; limits?: Record<string, string> };
}
interface PodSpec {
  serviceAccountName: string;
  automountServiceAccountToken: boolean;
  securityContext: Record<string, unknown>;
  containers: Container[];
  volumes: {
    name: string;
    secret?: { secretName: string };
    emptyDir?: unknown;
    persistentVolumeClaim?: { claimName: string };
  }[];
  terminationGracePeriodSeconds: number;
}
interface Deployment extends K8sObject {
  spec: {
    replicas: number;
    template: {
      metadata: { labels: Record<string, string>; annotations?: Record<string, string> };
      spec: PodSpec;
    };
  };
}

const SECRET = { existingSecret: 'baton-entra' };
const HA = { replicaCount: 2, leaderElection: { enabled: true }, existingSecret: 'baton-entra' };

function deployment(objs: K8sObject[]): Deployment {
  const d = find(objs, 'Deployment');
  assert.ok(d, 'a Deployment is rendered');
  return d as Deployment;
}
const container = (objs: K8sObject[]) => deployment(objs).spec.template.spec.containers[0]!;
const env = (objs: K8sObject[]) =>
  Object.fromEntries(container(objs).env.map((e) => [e.name, e.value ?? e.valueFrom]));

describe('Helm chart charts/baton-entra', function () {
  it('passes helm lint --strict with the CI values files', async () => {
    for (const f of ['existing-secret-values.yaml', 'ha-values.yaml']) {
      const res = await helm(['lint', '--strict', CHART_DIR, '-f', join(CHART_DIR, 'ci', f)]);
      assert.equal(res.code, 0, `${f}: ${res.stdout}${res.stderr}`);
    }
  });

  it('refuses to render without a settings Secret, with both, or replicas > 1 without leader election', async () => {
    const none = await renderRaw();
    assert.notEqual(none.code, 0);
    assert.match(none.stderr, /no settings Secret: set existingSecret .* or secret\.create=true/);
    const both = await renderRaw([
      { existingSecret: 'x', secret: { create: true, data: { BATON_PROVISIONING: 'true' } } },
    ]);
    assert.match(both.stderr, /set either existingSecret or secret\.create=true, not both/);
    const twoWithoutLease = await renderRaw([{ ...SECRET, replicaCount: 2 }]);
    assert.match(twoWithoutLease.stderr, /replicaCount > 1 needs leaderElection\.enabled=true/);
    const emptyData = await renderRaw([{ secret: { create: true } }]);
    assert.match(emptyData.stderr, /secret\.create=true needs secret\.data/);
  });

  it('enforces values.schema.json (unknown keys, wrong types)', async () => {
    const unknown = await renderRaw([{ ...SECRET, replicaz: 2 }]);
    assert.notEqual(unknown.code, 0);
    assert.match(unknown.stderr, /replicaz/);
    const badType = await renderRaw([{ ...SECRET, replicaCount: 'two' }]);
    assert.match(badType.stderr, /replicaCount/);
    const badDuration = await renderRaw([
      { ...HA, leaderElection: { enabled: true, leaseDuration: '15 seconds' } },
    ]);
    assert.match(badDuration.stderr, /leaseDuration/);
  });

  describe('default render (existingSecret)', () => {
    let objs: K8sObject[];
    before(async () => {
      objs = await render([SECRET]);
    });

    it('renders exactly the single-replica objects', () => {
      assert.deepEqual(objs.map((o) => o.kind).sort(), ['Deployment', 'Pod', 'Service', 'ServiceAccount']);
      assert.equal(deployment(objs).spec.replicas, 1);
      assert.equal(find(objs, 'PodDisruptionBudget'), undefined, 'no PDB for one replica');
      assert.equal(find(objs, 'Role'), undefined, 'no RBAC without leader election');
    });

    it('meets the restricted Pod Security Standard', () => {
      const pod = deployment(objs).spec.template.spec;
      assert.equal(pod.securityContext.runAsNonRoot, true);
      assert.equal(pod.securityContext.runAsUser, 65532);
      assert.deepEqual(pod.securityContext.seccompProfile, { type: 'RuntimeDefault' });
      const sc = container(objs).securityContext;
      assert.equal(sc.allowPrivilegeEscalation, false);
      assert.equal(sc.readOnlyRootFilesystem, true);
      assert.deepEqual(sc.capabilities, { drop: ['ALL'] });
      assert.equal(pod.automountServiceAccountToken, false, 'no API token without leader election');
    });

    it('uses only known pod and container fields (typo guard; helm does not validate them)', () => {
      const pod = deployment(objs).spec.template.spec as unknown as Record<string, unknown>;
      const podKeys = [
        'serviceAccountName',
        'automountServiceAccountToken',
        'imagePullSecrets',
        'priorityClassName',
        'terminationGracePeriodSeconds',
        'securityContext',
        'containers',
        'volumes',
        'nodeSelector',
        'affinity',
        'tolerations',
        'topologySpreadConstraints',
      ];
      for (const k of Object.keys(pod)) assert.ok(podKeys.includes(k), `unexpected pod field ${k}`);
      const containerKeys = [
        'name',
        'image',
        'imagePullPolicy',
        'args',
        'ports',
        'env',
        'startupProbe',
        'livenessProbe',
        'readinessProbe',
        'securityContext',
        'resources',
        'volumeMounts',
      ];
      for (const k of Object.keys(container(objs)))
        assert.ok(containerKeys.includes(k), `unexpected container field ${k}`);
      const sc = [
        'allowPrivilegeEscalation',
        'readOnlyRootFilesystem',
        'privileged',
        'capabilities',
        'runAsNonRoot',
        'runAsUser',
        'runAsGroup',
        'seccompProfile',
        'fsGroup',
      ];
      for (const k of [
        ...Object.keys(pod.securityContext as object),
        ...Object.keys(container(objs).securityContext),
      ])
        assert.ok(sc.includes(k), `unexpected securityContext field ${k}`);
    });

    it('probes /livez and /readyz on the http port, with a startup probe', () => {
      const c = container(objs);
      assert.deepEqual(c.startupProbe.httpGet, { path: '/livez', port: 'http' });
      assert.deepEqual(c.livenessProbe.httpGet, { path: '/livez', port: 'http' });
      assert.deepEqual(c.readinessProbe.httpGet, { path: '/readyz', port: 'http' });
      const svc = find(objs, 'Service') as K8sObject & {
        spec: { ports: { port: number; targetPort: string }[] };
      };
      assert.deepEqual(
        svc.spec.ports.map((p) => [p.port, p.targetPort]),
        [[8080, 'http']],
      );
    });

    it('mounts the Secret as a volume for hot reload (no envFrom, no subPath) plus emptyDirs', () => {
      const c = container(objs);
      const pod = deployment(objs).spec.template.spec;
      assert.equal(c.envFrom, undefined);
      const mounts = Object.fromEntries(c.volumeMounts.map((m) => [m.mountPath, m]));
      assert.equal(mounts['/var/run/secrets/baton']?.readOnly, true);
      assert.ok(
        c.volumeMounts.every((m) => !m.subPath),
        'subPath mounts never receive updates',
      );
      assert.ok(mounts['/tmp'] && mounts['/var/lib/baton']);
      const vols = Object.fromEntries(pod.volumes.map((v) => [v.name, v]));
      assert.equal(vols.settings?.secret?.secretName, 'baton-entra');
      assert.equal((vols.settings?.secret as { defaultMode?: number }).defaultMode, 0o440);
      assert.ok(vols.tmp?.emptyDir && vols.data?.emptyDir);
      const e = env(objs);
      assert.equal(e.BATON_CONFIG_DIR, '/var/run/secrets/baton');
      assert.equal(e.BATON_DATA_DIR, '/var/lib/baton');
      assert.equal(e.BATON_LEADER_ELECTION, undefined);
      assert.equal(e.BATON_SHUTDOWN_TIMEOUT, '55s', 'shutdown fits the grace period');
      assert.equal(pod.terminationGracePeriodSeconds, 60);
    });

    it('uses the appVersion tag, or a digest when given', async () => {
      assert.equal(container(objs).image, 'ghcr.io/baton-entra/baton-entra:0.1.0');
      const digest = `sha256:${'a'.repeat(64)}`;
      const pinned = await render([
        { ...SECRET, image: { repository: 'registry.local/baton-entra', digest } },
      ]);
      assert.equal(container(pinned).image, `registry.local/baton-entra@${digest}`);
      assert.deepEqual(container(objs).args, ['serve']);
      assert.ok(container(objs).resources.requests?.memory);
    });

    it('ships a helm test hook that checks /readyz', () => {
      const pod = objs.find((o) => o.kind === 'Pod')!;
      assert.equal(pod.metadata.annotations?.['helm.sh/hook'], 'test');
      assert.match(JSON.stringify(pod), /http:\/\/baton-entra:8080\/readyz/);
    });
  });

  describe('HA render (2 replicas, leader election)', () => {
    let objs: K8sObject[];
    before(async () => {
      objs = await render([HA]);
    });

    it('adds a PDB, RBAC scoped to the Lease, and leader-election env', () => {
      assert.equal(deployment(objs).spec.replicas, 2);
      const pdb = find(objs, 'PodDisruptionBudget') as K8sObject & { spec: { minAvailable: number } };
      assert.equal(pdb.spec.minAvailable, 1);
      const role = find(objs, 'Role') as K8sObject & {
        rules: { resources: string[]; verbs: string[]; resourceNames?: string[] }[];
      };
      const scoped = role.rules.find((r) => r.resourceNames);
      assert.deepEqual(scoped, {
        apiGroups: ['coordination.k8s.io'],
        resources: ['leases'],
        resourceNames: ['baton-entra-leader'],
        verbs: ['get', 'update'],
      });
      const create = role.rules.find((r) => !r.resourceNames)!;
      assert.deepEqual(create.verbs, ['create']);
      for (const r of role.rules) assert.deepEqual(r.resources, ['leases'], 'nothing but leases');
      const binding = find(objs, 'RoleBinding') as K8sObject & {
        subjects: { name: string }[];
        roleRef: { name: string };
      };
      assert.equal(binding.subjects[0]!.name, deployment(objs).spec.template.spec.serviceAccountName);
      assert.equal(binding.roleRef.name, role.metadata.name);
      const e = env(objs);
      assert.equal(e.BATON_LEADER_ELECTION, 'true');
      assert.equal(e.BATON_LEASE_NAME, 'baton-entra-leader');
      assert.equal(e.BATON_LEASE_NAMESPACE, 'baton');
      assert.equal(e.BATON_LEASE_DURATION, '15s');
      assert.deepEqual(e.POD_NAME, { fieldRef: { fieldPath: 'metadata.name' } });
      assert.equal(deployment(objs).spec.template.spec.automountServiceAccountToken, true);
    });

    it('createLease pre-creates the Lease and drops the unscoped create verb', async () => {
      const o = await render([
        HA,
        { leaderElection: { enabled: true, createLease: true, leaseName: 'entra-sync' } },
      ]);
      const lease = find(o, 'Lease')!;
      assert.equal(lease.metadata.name, 'entra-sync');
      assert.equal(lease.metadata.annotations?.['helm.sh/resource-policy'], 'keep');
      const role = find(o, 'Role') as K8sObject & { rules: { verbs: string[]; resourceNames?: string[] }[] };
      assert.ok(role.rules.every((r) => r.resourceNames?.includes('entra-sync')));
      assert.ok(!role.rules.some((r) => r.verbs.includes('create')));
    });
  });

  it('secret.create renders the Secret and mounts it; rollOnChange adds a checksum', async () => {
    const values = {
      secret: { create: true, data: { BATON_ENTRA_TENANT_ID: 't', BATON_PROVISIONING: true } },
    };
    const objs = await render([values]);
    const secret = find(objs, 'Secret') as K8sObject & { stringData: Record<string, string> };
    assert.deepEqual(secret.stringData, { BATON_ENTRA_TENANT_ID: 't', BATON_PROVISIONING: 'true' });
    const vol = deployment(objs).spec.template.spec.volumes.find((v) => v.name === 'settings');
    assert.equal(vol?.secret?.secretName, secret.metadata.name);
    assert.equal(
      deployment(objs).spec.template.metadata.annotations,
      undefined,
      'hot reload: no restart on change',
    );
    const rolled = await render([{ secret: { ...values.secret, rollOnChange: true } }]);
    assert.match(
      deployment(rolled).spec.template.metadata.annotations?.['checksum/secret'] ?? '',
      /^[0-9a-f]{64}$/,
    );
  });

  it('ServiceMonitor only when enabled and the CRD is served', async () => {
    const on = { ...SECRET, metrics: { serviceMonitor: { enabled: true } } };
    assert.equal(find(await render([on]), 'ServiceMonitor'), undefined);
    const objs = await render([on], ['--api-versions', 'monitoring.coreos.com/v1/ServiceMonitor']);
    const sm = find(objs, 'ServiceMonitor') as K8sObject & {
      spec: { endpoints: { port: string; path: string }[] };
    };
    assert.deepEqual(
      sm.spec.endpoints.map((e) => [e.port, e.path]),
      [['http', '/metrics']],
    );
    assert.equal(
      find(
        await render([SECRET], ['--api-versions', 'monitoring.coreos.com/v1/ServiceMonitor']),
        'ServiceMonitor',
      ),
      undefined,
    );
  });

  it('workload identity annotates the ServiceAccount, labels the pod and sets the auth mode', async () => {
    const objs = await render([
      { ...SECRET, workloadIdentity: { enabled: true, clientId: 'app-id', tenantId: 'tenant-id' } },
    ]);
    const sa = find(objs, 'ServiceAccount')!;
    assert.equal(sa.metadata.annotations?.['azure.workload.identity/client-id'], 'app-id');
    assert.equal(deployment(objs).spec.template.metadata.labels['azure.workload.identity/use'], 'true');
    const e = env(objs);
    assert.equal(e.BATON_ENTRA_AUTH_MODE, 'workload_identity');
    assert.equal(e.BATON_ENTRA_CLIENT_ID, 'app-id');
    const missing = await renderRaw([{ ...SECRET, workloadIdentity: { enabled: true } }]);
    assert.match(missing.stderr, /workloadIdentity\.clientId/);
  });

  it('optional NetworkPolicy, PVC and plain config env', async () => {
    const objs = await render([
      {
        ...SECRET,
        networkPolicy: { enabled: true },
        persistence: { enabled: true },
        config: { BATON_SYNC_INTERVAL: '1h', BATON_SYNC_ON_START: true },
      },
    ]);
    const np = find(objs, 'NetworkPolicy') as K8sObject & {
      spec: { policyTypes: string[]; egress: { ports: { port: number; protocol: string }[] }[] };
    };
    assert.deepEqual(np.spec.policyTypes, ['Ingress', 'Egress']);
    assert.ok(
      np.spec.egress.some((r) => r.ports.some((p) => p.port === 53 && p.protocol === 'UDP')),
      'DNS allowed',
    );
    assert.ok(
      np.spec.egress.some((r) => r.ports.some((p) => p.port === 443)),
      'HTTPS allowed',
    );
    const pvc = find(objs, 'PersistentVolumeClaim')!;
    const data = deployment(objs).spec.template.spec.volumes.find((v) => v.name === 'data');
    assert.equal(data?.persistentVolumeClaim?.claimName, pvc.metadata.name);
    const e = env(objs);
    assert.equal(e.BATON_SYNC_INTERVAL, '1h');
    assert.equal(e.BATON_SYNC_ON_START, 'true');
  });
});
