import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');
const CHILD = join(ROOT, 'test/daemon/fixtures/shutdown-child.ts');

/** Starts the child, waits for "ready", sends the signals, resolves with exit code and output. */
function runChild(
  signals: NodeJS.Signals[],
  extra: string[] = [],
): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, ...extra], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    let sent = false;
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (!sent && out.includes('ready\n')) {
        sent = true;
        for (const s of signals) child.kill(s);
      }
    });
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, out }));
  });
}

describe('shutdown in a real process', function () {
  it('SIGTERM runs the steps in order and exits 0', async () => {
    const { code, out } = await runChild(['SIGTERM']);
    assert.equal(code, 0);
    assert.equal(out, 'ready\nstep:scheduler\nstep:http\n');
  });

  it('a hung step is cut at the bound, later steps still run, exit code 1', async () => {
    const { code, out } = await runChild(['SIGTERM'], ['--hang']);
    assert.equal(code, 1);
    assert.match(out, /step:http/);
  });

  it('a second signal exits at once', async () => {
    const { code, out } = await runChild(['SIGTERM', 'SIGINT'], ['--hang']);
    assert.equal(code, 1);
    assert.doesNotMatch(out, /step:http/, 'did not wait for the bound');
  });
});
