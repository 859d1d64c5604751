import assert from 'node:assert/strict';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { RunningControlPlane } from '../../src/reference-control-plane/server.js';
import { getTask } from '../../src/reference-control-plane/tasks.js';
import type { AgentTask, ControlPlaneAgent, TaskHandler } from '../../src/daemon/agent/agent.js';
import { runCli } from '../support/cli.js';
import {
  agentSettings,
  helloInfo,
  idleHandler,
  newAgent,
  newClient,
  startPlane,
  tempDir,
  waitFor,
} from './helpers.js';

describe('tasks between the control plane and the agent', function () {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let plane: RunningControlPlane;
  let cpDir: string;
  const agents: ControlPlaneAgent[] = [];

  beforeEach(async () => {
    dir = await tempDir('cp-tasks');
    cpDir = join(dir.path, 'cp');
    plane = await startPlane(cpDir);
  });
  afterEach(async () => {
    await Promise.all(agents.splice(0).map((a) => a.stop()));
    await plane.close();
    await dir.cleanup();
  });

  async function started(
    handler: TaskHandler,
    sub = 'agent',
    creds?: { clientId: string; clientSecret: string },
  ) {
    const agent = newAgent(
      agentSettings(plane.address, creds ?? (await newClient(plane)), join(dir.path, sub)),
    );
    agents.push(agent);
    await agent.start(handler, helloInfo);
    return agent;
  }

  async function cli(...args: string[]) {
    const res = await runCli(['control-plane', ...args, '--data-dir', cpDir]);
    assert.equal(res.code, 0, res.stderr);
    return res.stdout;
  }

  it('runs a task queued from the CLI and records its result', async () => {
    const seen: AgentTask[] = [];
    await started(async (task) => {
      seen.push(task);
      return { ok: true, response: { granted: true, grants: 1 } };
    });
    const id = (
      await cli(
        'tasks',
        'add',
        '--kind',
        'grant',
        '--entitlement',
        'group:g1:member',
        '--principal',
        'user:u1',
      )
    ).trim();
    await waitFor(() => getTask(plane.store, id)?.status === 'succeeded', 'the task to succeed');
    assert.deepEqual(seen, [
      {
        id,
        kind: 'grant',
        payload: {
          entitlementId: 'group:g1:member',
          principal: { resourceTypeId: 'user', resourceId: 'u1' },
        },
      },
    ]);
    const listed = (await cli('tasks', 'list', '--json'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.equal(listed.length, 1);
    assert.equal(listed[0]!.status, 'succeeded');
    assert.equal(listed[0]!.hostId, 'host-a');
    assert.deepEqual(listed[0]!.result, { ok: true, response: { granted: true, grants: 1 } });
    assert.deepEqual(
      await readdir(join(dir.path, 'agent', 'task-results')),
      [],
      'acknowledged results are not kept',
    );
  });

  it('records a failure with its code and retryable flag', async () => {
    await started(async () => ({ ok: false, code: 'NOT_FOUND', message: 'no such group', retryable: false }));
    const id = (await cli('tasks', 'add', '--kind', 'revoke', '--grant', 'group:g9:member:user:u1')).trim();
    await waitFor(() => getTask(plane.store, id)?.status === 'failed', 'the task to fail');
    assert.deepEqual(getTask(plane.store, id)!.result, {
      ok: false,
      code: 5,
      message: 'no such group',
      retryable: false,
    });
  });

  it('delivers a cancellation from the control plane to ctx.signal', async () => {
    let started_ = false;
    await started(async (_task, { signal }) => {
      started_ = true;
      await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
      return {
        ok: false,
        code: 'CANCELLED',
        message: String((signal.reason as Error).message),
        retryable: false,
      };
    });
    const id = (await cli('tasks', 'add', '--kind', 'sync_full')).trim();
    await waitFor(() => started_, 'the handler to start');
    assert.equal(getTask(plane.store, id)!.status, 'running');
    assert.match(await cli('tasks', 'cancel', id), /cancellation requested/);
    await waitFor(() => getTask(plane.store, id)?.status === 'cancelled', 'the task to be cancelled');
    assert.equal(getTask(plane.store, id)!.result?.ok, false);
  });

  it('re-sends an outcome persisted before a restart instead of running the task again', async () => {
    const id = (
      await cli(
        'tasks',
        'add',
        '--kind',
        'invoke_action',
        '--action',
        'reset_password',
        '--args',
        '{"user":"u1"}',
      )
    ).trim();
    // A previous run took the task, ran it, saved the outcome, and died before FinishTask.
    let calls = 0;
    const creds = await newClient(plane);
    const crashed = await started(
      async () => {
        calls++;
        return { ok: true };
      },
      'first',
      creds,
    );
    await waitFor(() => getTask(plane.store, id)?.status === 'succeeded', 'the first run');
    await crashed.stop();
    agents.pop();
    const id2 = (await cli('tasks', 'add', '--kind', 'enable_account', '--account', 'user:u2')).trim();
    plane.store.db
      .prepare("UPDATE tasks SET status = 'running', host_id = 'host-a', attempts = 1 WHERE id = ?")
      .run(id2);
    const resultsDir = join(dir.path, 'first', 'task-results');
    await mkdir(resultsDir, { recursive: true });
    await writeFile(
      join(resultsDir, `${id2}.json`),
      JSON.stringify({ taskId: id2, result: { ok: true, response: { enabled: true } } }),
    );
    // The restart: same data directory, same client, same host id.
    await started(
      async () => {
        calls++;
        return { ok: true };
      },
      'first',
      creds,
    );
    await waitFor(
      () => getTask(plane.store, id2)?.status === 'succeeded',
      'the saved outcome to be reported',
    );
    assert.deepEqual(getTask(plane.store, id2)!.result, { ok: true, response: { enabled: true } });
    assert.equal(calls, 1, 'the handler ran only for the first task');
  });

  it('refuses malformed tasks on the command line, naming the flag', async () => {
    const bad = await runCli([
      'control-plane',
      'tasks',
      'add',
      '--data-dir',
      cpDir,
      '--kind',
      'grant',
      '--entitlement',
      'group:g1:member',
    ]);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /principal/);
    const badJson = await runCli([
      'control-plane',
      'tasks',
      'add',
      '--data-dir',
      cpDir,
      '--kind',
      'sync_full',
      '--payload',
      '{nope',
    ]);
    assert.notEqual(badJson.code, 0);
    assert.match(badJson.stderr, /--payload must be valid JSON/);
    const badKind = await runCli(['control-plane', 'tasks', 'add', '--data-dir', cpDir, '--kind', 'explode']);
    assert.notEqual(badKind.code, 0);
    const missing = await runCli(['control-plane', 'tasks', 'cancel', 'NOPE', '--data-dir', cpDir]);
    assert.notEqual(missing.code, 0);
    assert.match(missing.stderr, /task NOPE does not exist/);
  });

  it('polls idle without error when there is nothing to do', async () => {
    const agent = await started(idleHandler);
    await waitFor(() => agent.status().connected, 'the agent to connect');
    assert.equal(agent.status().lastError, undefined);
  });
});
