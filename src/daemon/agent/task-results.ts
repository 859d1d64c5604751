import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from './atomic.js';
import type { TaskResult } from './types.js';

const TASK_ID = /^[A-Za-z0-9_-]{1,64}$/;

export function isSafeTaskId(id: string): boolean {
  return TASK_ID.test(id);
}

/**
 * Task outcomes not yet acknowledged by the control plane, one file each under
 * `<dataDir>/task-results/`. Written before FinishTask and removed after it succeeds, so a restart
 * re-sends them instead of running the task again (at-least-once acks, no repeated side effects).
 */
export class TaskResults {
  readonly dir: string;

  constructor(dataDir: string) {
    this.dir = join(dataDir, 'task-results');
  }

  async open(): Promise<Map<string, TaskResult>> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    const out = new Map<string, TaskResult>();
    for (const f of await readdir(this.dir)) {
      if (!f.endsWith('.json') || f.startsWith('.')) continue;
      try {
        const rec = JSON.parse(await readFile(join(this.dir, f), 'utf8')) as {
          taskId: string;
          result: TaskResult;
        };
        if (isSafeTaskId(rec.taskId)) out.set(rec.taskId, rec.result);
      } catch {
        await rm(join(this.dir, f), { force: true });
      }
    }
    return out;
  }

  async save(taskId: string, result: TaskResult, at: string): Promise<void> {
    await writeFileAtomic(
      join(this.dir, `${taskId}.json`),
      JSON.stringify({ taskId, result, finishedAt: at }),
    );
  }

  async delete(taskId: string): Promise<void> {
    await rm(join(this.dir, `${taskId}.json`), { force: true });
  }
}
