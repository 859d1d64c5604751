import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { RunningControlPlane } from '../../src/reference-control-plane/server.js';
import { addTask, getTask } from '../../src/reference-control-plane/tasks.js';
import type { ControlPlaneAgent } from '../../src/daemon/agent/agent.js';
import {
  agentSettings,
  freePort,
  helloInfo,
  newAgent,
  newClient,
  startPlane,
  tempDir,
  waitFor,
} from './helpers.js';

describe('a task while the control plane goes away', function () {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let plane: RunningControlPlane | undefined;
  let agent: ControlPlaneAgent | undefined;

  beforeEach(async () => {
    dir = await tempDir('cp-outage');
  });
  afterEach(async () => {
    await agent?.stop();
    await plane?.close();
    await dir.cleanup();
  });

  it('aborts ctx.signal after 10 failed heartbeats, then reports the outcome once the control plane is back', async () => {
    const port = await freePort();
    const cpDir = join(dir.path, 'cp');
    plane = await startPlane(cpDir, { listen: `127.0.0.1:${port}` });
    const creds = await newClient(plane);
    const task = addTask(plane.store, 'sync_full', {}, new Date());
    let reason: unknown;
    let running = false;
    agent = newAgent(agentSettings(plane.address, creds, join(dir.path, 'agent')));
    await agent.start(async (_t, { signal }) => {
      running = true;
      await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
      reason = signal.reason;
      return { ok: false, code: 'UNAVAILABLE', message: 'sync interrupted', retryable: true };
    }, helloInfo);
    await waitFor(() => running, 'the task to start');
    await plane.close();
    plane = undefined;
    await waitFor(() => reason, 'heartbeat failures to abort the task');
    assert.match(String((reason as Error).message), /10 heartbeats failed in a row/);
    assert.equal(agent.status().connected, false);
    plane = await startPlane(cpDir, { listen: `127.0.0.1:${port}` });
    await waitFor(() => getTask(plane!.store, task.id)?.finishedAt, 'the outcome to be reported', 20_000);
    assert.deepEqual(getTask(plane.store, task.id)!.result, {
      ok: false,
      code: 1,
      message: 'sync interrupted',
      retryable: true,
    });
  });
});
