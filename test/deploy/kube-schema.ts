import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { K8sObject } from './helm.js';

/**
 * Offline validation of rendered objects against the Kubernetes OpenAPI schemas (kubernetes-models,
 * generated from the API server's OpenAPI document) and the Prometheus Operator CRDs.
 *
 * Those schemas do not forbid unknown fields, and the API server drops them with only a warning, so
 * a typo such as `readOnlyRootFileSystem` would deploy silently. The validators are compiled code
 * that reads each field its schema declares and nothing else; running them over a proxy that
 * records every read leaves the unknown fields as the keys that were never read.
 */

/** An ajv-compiled validator: true when valid, else the reasons are left on `errors`. */
interface ValidateFn {
  (data: unknown): boolean;
  errors?: { instancePath: string; keyword: string; params: Record<string, unknown> }[] | null;
}

/**
 * `apiVersion/kind` → the package and module holding its compiled validator. The modules are read
 * by file (next to the package's entry point): prometheus-operator does not export _schemas/.
 */
const SCHEMAS: Record<string, string> = {
  'v1/Service': 'kubernetes-models:IoK8sApiCoreV1Service',
  'v1/ServiceAccount': 'kubernetes-models:IoK8sApiCoreV1ServiceAccount',
  'v1/Secret': 'kubernetes-models:IoK8sApiCoreV1Secret',
  'v1/Pod': 'kubernetes-models:IoK8sApiCoreV1Pod',
  'v1/PersistentVolumeClaim': 'kubernetes-models:IoK8sApiCoreV1PersistentVolumeClaim',
  'v1/Namespace': 'kubernetes-models:IoK8sApiCoreV1Namespace',
  'apps/v1/Deployment': 'kubernetes-models:IoK8sApiAppsV1Deployment',
  'policy/v1/PodDisruptionBudget': 'kubernetes-models:IoK8sApiPolicyV1PodDisruptionBudget',
  'rbac.authorization.k8s.io/v1/Role': 'kubernetes-models:IoK8sApiRbacV1Role',
  'rbac.authorization.k8s.io/v1/RoleBinding': 'kubernetes-models:IoK8sApiRbacV1RoleBinding',
  'networking.k8s.io/v1/NetworkPolicy': 'kubernetes-models:IoK8sApiNetworkingV1NetworkPolicy',
  'coordination.k8s.io/v1/Lease': 'kubernetes-models:IoK8sApiCoordinationV1Lease',
  'monitoring.coreos.com/v1/ServiceMonitor':
    '@kubernetes-models/prometheus-operator:ComGithubPrometheusOperatorPrometheusOperatorPkgApisMonitoringV1ServiceMonitor',
  'monitoring.coreos.com/v1/PrometheusRule':
    '@kubernetes-models/prometheus-operator:ComGithubPrometheusOperatorPrometheusOperatorPkgApisMonitoringV1PrometheusRule',
};

/**
 * Every apiVersion the chart renders, GA since at least Kubernetes 1.25 (the chart's kubeVersion
 * floor): the schemas above are one (newer) release's, so this keeps old clusters covered too.
 */
export const SUPPORTED_API_VERSIONS = [
  'v1',
  'apps/v1',
  'policy/v1',
  'rbac.authorization.k8s.io/v1',
  'networking.k8s.io/v1',
  'coordination.k8s.io/v1',
  'monitoring.coreos.com/v1',
];

const cache = new Map<string, ValidateFn>();

/** The installed package's directory, looked up the way Node looks up node_modules. */
function packageDir(pkg: string): string {
  for (const dir of createRequire(import.meta.url).resolve.paths(pkg) ?? []) {
    if (existsSync(join(dir, pkg, 'package.json'))) return join(dir, pkg);
  }
  throw new Error(`${pkg} is not installed (npm ci)`);
}

async function validatorFor(o: K8sObject): Promise<ValidateFn> {
  const key = `${o.apiVersion}/${o.kind}`;
  const mod = SCHEMAS[key];
  if (!mod) throw new Error(`${o.kind} ${o.metadata.name}: no schema known for ${key}`);
  let fn = cache.get(mod);
  if (!fn) {
    const [pkg, name] = mod.split(':') as [string, string];
    fn = (
      (await import(pathToFileURL(join(packageDir(pkg), '_schemas', `${name}.js`)).href)) as {
        validate: ValidateFn;
      }
    ).validate;
    cache.set(mod, fn);
  }
  return fn;
}

/** Wraps `value` so every property the validator reads is recorded as a JSON path. */
function tracked(value: unknown, path: string, read: Set<string>): unknown {
  if (value === null || typeof value !== 'object') return value;
  return new Proxy(value, {
    get(target, prop, receiver) {
      const v = Reflect.get(target, prop, receiver) as unknown;
      if (typeof prop !== 'string' || !Object.hasOwn(target, prop)) return v;
      const p = `${path}.${prop}`;
      read.add(p);
      return tracked(v, p, read);
    },
  });
}

/** Every own-key path in `value`, objects and arrays alike. */
function allPaths(value: unknown, path: string, out: string[] = []): string[] {
  if (value === null || typeof value !== 'object') return out;
  for (const [k, v] of Object.entries(value)) {
    const p = `${path}.${k}`;
    out.push(p);
    allPaths(v, p, out);
  }
  return out;
}

/** Schema errors and unknown fields of one object, as readable lines (empty when valid). */
export async function problems(o: K8sObject): Promise<string[]> {
  if (!SUPPORTED_API_VERSIONS.includes(o.apiVersion)) {
    return [
      `${o.kind} ${o.metadata.name}: apiVersion ${o.apiVersion} is not served by every supported Kubernetes`,
    ];
  }
  const validate = await validatorFor(o);
  const out: string[] = [];
  if (!validate(o)) {
    for (const e of validate.errors ?? []) {
      out.push(
        `${o.kind} ${o.metadata.name}: ${e.instancePath || '/'} fails ${e.keyword} ${JSON.stringify(e.params)}`,
      );
    }
  }
  const read = new Set<string>();
  validate(tracked(o, '', read));
  for (const p of allPaths(o, '')) {
    // An array element is read by index; its parent array is what the schema declares.
    if (!read.has(p) && !/\.\d+$/.test(p))
      out.push(`${o.kind} ${o.metadata.name}: unknown field ${p.slice(1)}`);
  }
  return out;
}

/** Throws listing every problem of every object. */
export async function assertValid(objs: K8sObject[]): Promise<void> {
  const all = (await Promise.all(objs.map(problems))).flat();
  if (all.length) throw new Error(`rendered objects fail the Kubernetes schemas:\n  ${all.join('\n  ')}`);
}
