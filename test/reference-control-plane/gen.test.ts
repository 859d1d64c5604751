import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import { ROOT } from '../support/cli.js';

const run = promisify(execFile);
// The buf CLI from its Linux x64 package (the registry here serves no other platform builds).
const BUF = join(ROOT, 'node_modules', '@bufbuild', 'buf-linux-x64', 'bin', 'buf');

async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) out.push(relative(dir, join(entry.parentPath, entry.name)));
  }
  return out.sort();
}

describe('generated gRPC stubs', function () {
  it('passes buf lint', async () => {
    await run(BUF, ['lint', 'proto'], { cwd: ROOT });
  });

  it('src/gen matches what `npm run gen` produces from proto/', async () => {
    const tmp = await mkdtemp(join(tmpdir(), 'gen-'));
    try {
      await run(BUF, ['generate', '-o', tmp], { cwd: ROOT });
      const fresh = join(tmp, 'src', 'gen');
      const checkedIn = join(ROOT, 'src', 'gen');
      const files = await listFiles(fresh);
      assert.deepEqual(
        await listFiles(checkedIn),
        files,
        'src/gen has other files than a fresh generation; run `npm run gen`',
      );
      for (const f of files) {
        const [a, b] = await Promise.all([
          readFile(join(fresh, f), 'utf8'),
          readFile(join(checkedIn, f), 'utf8'),
        ]);
        assert.ok(a === b, `src/gen/${f} is stale; run \`npm run gen\``);
      }
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }
  });
});
