import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as yaml from 'js-yaml';
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

type Values = Record<string, unknown>;
const BAD_VALUES = join(dirname(fileURLToPath(import.meta.url)), 'bad-values');
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
  it('passes helm lint --strict with every values file in ci/ (defaults, provisioning, HA, networkPolicy, monitoring)', async () => {
    const files = readdirSync(join(CHART_DIR, 'ci'));
    assert.ok(files.length >= 6, files.join());
    for (const f of files) {
      const res = await helm(['lint', '--strict', CHART_DIR, '-f', join(CHART_DIR, 'ci', f)]);
      assert.equal(res.code, 0, `${f}: ${res.stdout}${res.stderr}`);
      const objs = await render([yaml.load(readFileSync(join(CHART_DIR, 'ci', f), 'utf8')) as Values]);
      assert.ok(find(objs, 'Deployment'), `${f} renders a Deployment`);
    }
  });

  it('helm lint --strict rejects every values file in test/deploy/bad-values, naming the problem', async () => {
    const files = readdirSync(BAD_VALUES);
    assert.ok(files.length >= 10, files.join());
    for (const f of files) {
      const text = readFileSync(join(BAD_VALUES, f), 'utf8');
      const expect = /^# expect: (.+)$/m.exec(text)?.[1];
      assert.ok(expect, `${f} states what the rejection must name (# expect: <regex>)`);
      const res = await helm(['lint', '--strict', CHART_DIR, '-f', join(BAD_VALUES, f)]);
      assert.notEqual(res.code, 0, `${f} passed helm lint --strict:\n${res.stdout}`);
      assert.match(`${res.stdout}${res.stderr}`, new RegExp(expect), f);
    }
  });

  it('refuses to render without a settings Secret, with both, or with an empty secret.data', async () => {
    const none = await renderRaw();
    assert.notEqual(none.code, 0);
    assert.match(none.stderr, /no settings Secret: set existingSecret .* or secret\.create=true/);
    const both = await renderRaw([
      { existingSecret: 'x', secret: { create: true, data: { BATON_PROVISIONING: 'true' } } },
    ]);
    assert.match(both.stderr, /set either existingSecret or secret\.create=true, not both/);
    const emptyData = await renderRaw([{ secret: { create: true } }]);
    assert.match(emptyData.stderr, /secret\.create=true needs secret\.data/);
  });

  it('the schema refuses replicas > 1 without leader election; the template too when the schema is skipped', async () => {
    const twoWithoutLease = await renderRaw([{ ...SECRET, replicaCount: 2 }]);
    assert.match(twoWithoutLease.stderr, /schema[\s\S]*leaderElection\.enabled/);
    const skipped = await renderRaw([{ ...SECRET, replicaCount: 2 }], ['--skip-schema-validation']);
    assert.match(skipped.stderr, /replicaCount > 1 needs leaderElection\.enabled=true/);
  });

  it('refuses a leaseDuration not longer than renewDeadline with a message naming both', async () => {
    const res = await renderRaw([
      { ...HA, leaderElection: { enabled: true, leaseDuration: '1m', renewDeadline: '60s' } },
    ]);
    assert.match(
      res.stderr,
      /leaderElection\.leaseDuration \(1m\) must be longer than leaderElection\.renewDeadline \(60s\)/,
    );
    const ok = await render([
      {
        ...HA,
        leaderElection: { enabled: true, leaseDuration: '1m30s', renewDeadline: '1m', retryPeriod: '500ms' },
      },
    ]);
    assert.equal(env(ok).BATON_LEASE_DURATION, '1m30s');
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
    const numbers = await render([
      { ...SECRET, resources: { requests: { cpu: 0.5, memory: '1e9' }, limits: { cpu: 2 } } },
    ]);
    assert.equal(container(numbers).resources.limits?.cpu, 2);
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
      assert.deepEqual(
        e.BATON_LEASE_NAMESPACE,
        { fieldRef: { fieldPath: 'metadata.namespace' } },
        "the pod's own namespace, so overlays that move it keep the Lease beside it",
      );
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

  it('ServiceMonitor and PrometheusRule whenever enabled, with or without the CRDs in .Capabilities', async () => {
    const off = await render([SECRET], ['--api-versions', 'monitoring.coreos.com/v1/ServiceMonitor']);
    assert.equal(find(off, 'ServiceMonitor'), undefined);
    assert.equal(find(off, 'PrometheusRule'), undefined);
    const on = {
      ...SECRET,
      metrics: { serviceMonitor: { enabled: true }, prometheusRule: { enabled: true } },
    };
    // `helm template` without --api-versions is what GitOps tools run: the monitor must not vanish.
    for (const flags of [[], ['--api-versions', 'monitoring.coreos.com/v1/ServiceMonitor']]) {
      const objs = await render([on], flags);
      const sm = find(objs, 'ServiceMonitor') as K8sObject & {
        spec: {
          endpoints: { port: string; path: string }[];
          selector: { matchLabels: Record<string, string> };
        };
      };
      assert.ok(sm, `ServiceMonitor rendered with flags [${flags.join(' ')}]`);
      assert.deepEqual(
        sm.spec.endpoints.map((e) => [e.port, e.path]),
        [['http', '/metrics']],
      );
      assert.ok(find(objs, 'PrometheusRule'), 'PrometheusRule rendered');
    }
  });

  it('PrometheusRule alerts on a failing sync, a growing spool and an expiring client secret', async () => {
    const objs = await render([
      {
        ...SECRET,
        metrics: { prometheusRule: { enabled: true, alertLabels: { team: 'identity' }, spoolDepth: 5 } },
      },
    ]);
    const rule = find(objs, 'PrometheusRule') as K8sObject & {
      spec: { groups: { rules: { alert: string; expr: string; labels: Record<string, string> }[] }[] };
    };
    const alerts = Object.fromEntries(rule.spec.groups[0]!.rules.map((r) => [r.alert, r]));
    const metric = (alert: string, name: string) => {
      assert.ok(alerts[alert], `${alert} is defined`);
      assert.match(
        alerts[alert].expr,
        new RegExp(`\\b${name}\\{namespace="baton", service="baton-entra"\\}`),
      );
      assert.equal(alerts[alert].labels.team, 'identity');
    };
    // Each alert reads a metric the daemon declares (src/observability/metrics.ts).
    const declared = readFileSync(join(CHART_DIR, '..', '..', 'src', 'observability', 'metrics.ts'), 'utf8');
    for (const name of [
      'baton_sync_last_success_timestamp_seconds',
      'baton_spool_depth',
      'baton_entra_credential_expiry_timestamp_seconds',
    ])
      assert.ok(declared.includes(`name: '${name}'`), `the daemon declares ${name}`);
    metric('BatonEntraSyncFailing', 'baton_sync_last_success_timestamp_seconds');
    assert.match(alerts.BatonEntraSyncFailing!.expr, /by \(namespace, service, kind\)/, 'per sync kind');
    metric('BatonEntraSpoolGrowing', 'baton_spool_depth');
    assert.match(alerts.BatonEntraSpoolGrowing!.expr, /> 5$/);
    metric('BatonEntraClientSecretExpiring', 'baton_entra_credential_expiry_timestamp_seconds');
    assert.match(
      alerts.BatonEntraClientSecretExpiring!.expr,
      /< 1209600$/,
      'integer seconds, not 1.2096e+06',
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

  describe('NetworkPolicy', () => {
    interface Peer {
      podSelector?: Selector;
      namespaceSelector?: Selector;
    }
    interface Policy extends K8sObject {
      spec: {
        podSelector: Selector;
        ingress: { from?: Peer[]; ports: { port: number | string }[] }[];
        egress: { ports: { port: number; protocol: string }[] }[];
      };
    }
    const testPod = (objs: K8sObject[]) => objs.find((o) => o.kind === 'Pod')!;
    const policy = (objs: K8sObject[]) => find(objs, 'NetworkPolicy') as Policy;

    it('does not select the helm test pod (its egress would be DNS and 443 only)', async () => {
      const objs = await render([{ ...SECRET, networkPolicy: { enabled: true } }]);
      const sel = policy(objs).spec.podSelector;
      assert.ok(selects(sel, deployment(objs).spec.template.metadata.labels), 'the daemon is selected');
      assert.ok(!selects(sel, testPod(objs).metadata.labels!), 'the test pod is not');
      const svc = find(objs, 'Service') as K8sObject & { spec: { selector: Record<string, string> } };
      assert.ok(
        !selects({ matchLabels: svc.spec.selector }, testPod(objs).metadata.labels!),
        'nor by the Service',
      );
    });

    it('lets the helm test pod reach /readyz when metricsFrom restricts ingress', async () => {
      const objs = await render([
        yaml.load(readFileSync(join(CHART_DIR, 'ci/network-policy-values.yaml'), 'utf8')) as Values,
      ]);
      const from = policy(objs).spec.ingress[0]!.from!;
      assert.ok(from.length >= 2, 'metricsFrom plus the test pod');
      assert.ok(
        from.some(
          (p) =>
            p.podSelector && !p.namespaceSelector && selects(p.podSelector, testPod(objs).metadata.labels!),
        ),
        'a peer in the release namespace matching the test pod',
      );
    });

    it('allows the API server on 443 and 6443 (configurable) when leader election needs it', async () => {
      const ports = (objs: K8sObject[]) =>
        policy(objs).spec.egress.flatMap((r) => r.ports.map((p) => p.port));
      const single = await render([{ ...SECRET, networkPolicy: { enabled: true } }]);
      assert.deepEqual(ports(single).sort(), [443, 53, 53], 'no API server rule without a token');
      const ha = await render([{ ...HA, networkPolicy: { enabled: true } }]);
      assert.ok(ports(ha).includes(6443), '6443: the API server endpoint port on many clusters');
      const custom = await render([{ ...HA, networkPolicy: { enabled: true, apiServerPorts: [8443] } }]);
      assert.ok(ports(custom).includes(8443) && !ports(custom).includes(6443));
    });
  });

  it('puts the recommended app.kubernetes.io labels on the pod template', async () => {
    const labels = deployment(await render([SECRET])).spec.template.metadata.labels;
    assert.deepEqual(
      Object.keys(labels)
        .filter((k) => k.startsWith('app.kubernetes.io/'))
        .sort(),
      ['component', 'instance', 'managed-by', 'name', 'part-of', 'version'].map(
        (k) => `app.kubernetes.io/${k}`,
      ),
    );
    assert.equal(labels['app.kubernetes.io/version'], '0.1.0');
    assert.equal(labels['app.kubernetes.io/part-of'], 'baton');
  });
});

interface Selector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}

/** Kubernetes label-selector semantics (matchLabels and matchExpressions, all must hold). */
function selects(sel: Selector, labels: Record<string, string>): boolean {
  const exprs = (sel.matchExpressions ?? []).every((e) => {
    const has = Object.hasOwn(labels, e.key);
    switch (e.operator) {
      case 'In':
        return has && e.values!.includes(labels[e.key]!);
      case 'NotIn':
        return !has || !e.values!.includes(labels[e.key]!);
      case 'Exists':
        return has;
      case 'DoesNotExist':
        return !has;
      default:
        throw new Error(`unknown selector operator ${e.operator}`);
    }
  });
  return exprs && Object.entries(sel.matchLabels ?? {}).every(([k, v]) => labels[k] === v);
}
