import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { addClient } from '../../src/reference-control-plane/clients.js';
import { ControlPlaneStore } from '../../src/reference-control-plane/store.js';
import type { ControlPlaneAgent } from '../../src/daemon/agent/agent.js';
import { ROOT } from '../support/cli.js';
import {
  agentSettings,
  helloInfo,
  idleHandler,
  makeSnapshot,
  newAgent,
  sha256File,
  tempDir,
  waitFor,
} from './helpers.js';

const run = promisify(execFile);
// Debian's grpcio lives in the system interpreter's dist-packages, not in a pyenv `python3`.
const PYTHON = '/usr/bin/python3';

async function pythonHasGrpc(): Promise<boolean> {
  if (!existsSync(PYTHON)) return false;
  try {
    await run(PYTHON, ['-c', 'import grpc, grpc_tools']);
    return true;
  } catch {
    return false;
  }
}

describe('interoperability with grpc-core (Python grpcio)', function () {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let server: ChildProcess | undefined;
  let agent: ControlPlaneAgent | undefined;

  before(async function () {
    if (!(await pythonHasGrpc())) this.skip();
  });
  beforeEach(async () => {
    dir = await tempDir('cp-interop');
  });
  afterEach(async () => {
    await agent?.stop();
    server?.stdin?.end();
    if (server && server.exitCode === null) await new Promise((r) => server!.once('exit', r));
    await dir?.cleanup();
  });

  it('the agent says Hello and uploads a multi-chunk snapshot to a Python control plane', async () => {
    const gen = join(dir.path, 'py');
    const out = join(dir.path, 'out');
    await mkdir(gen);
    await mkdir(out);
    const { stdout: wkt } = await run(PYTHON, [
      '-c',
      'import grpc_tools, os; print(os.path.join(os.path.dirname(grpc_tools.__file__), "_proto"))',
    ]);
    await run(
      PYTHON,
      [
        '-m',
        'grpc_tools.protoc',
        '-I',
        join(ROOT, 'proto'),
        '-I',
        wkt.trim(),
        `--python_out=${gen}`,
        `--grpc_python_out=${gen}`,
        'baton_entra/v1/task.proto',
        'baton_entra/v1/control_plane.proto',
      ],
      { cwd: ROOT },
    );
    server = spawn(
      PYTHON,
      [join(ROOT, 'test/reference-control-plane/interop/control_plane_server.py'), gen, out],
      {
        stdio: ['pipe', 'pipe', 'inherit'],
      },
    );
    const port = await new Promise<string>((resolve, reject) => {
      server!.stdout!.once('data', (d: Buffer) => resolve(d.toString().trim()));
      server!.once('exit', (code) => reject(new Error(`python server exited ${code}`)));
    });
    // The credential is only signed here; the Python peer checks that a bearer token arrives.
    const store = new ControlPlaneStore(join(dir.path, 'keys'));
    const creds = await addClient(store, 'interop', new Date());
    store.close();
    agent = newAgent(agentSettings(`127.0.0.1:${port}`, creds, join(dir.path, 'agent')));
    await agent.start(idleHandler, helloInfo);
    assert.equal(await readFile(join(out, 'hello-host-a'), 'utf8'), '0.0.0-test');
    const snap = await makeSnapshot(dir.path, 'sync-py', 3 * 1024 * 1024 + 99);
    await agent.submitSnapshot(snap.path, snap.header);
    await waitFor(
      () => agent!.status().spoolDepth === 0 && agent!.status().lastUploadAt,
      'the upload to the Python peer',
    );
    assert.equal(await sha256File(join(out, 'sync-py')), snap.sha256);
  });
});
