import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { cp, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
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

  it('makes no breaking change against the released API (proto/released.binpb)', async () => {
    await run(BUF, ['breaking', 'proto', '--against', 'proto/released.binpb'], { cwd: ROOT });
  });

  it('buf breaking catches a field renumbered, so the check above can fail', async () => {
    const tmp = await mkdtemp(join(tmpdir(), 'proto-'));
    try {
      await cp(join(ROOT, 'proto'), tmp, { recursive: true });
      const file = join(tmp, 'baton_entra', 'v1', 'task.proto');
      const text = await readFile(file, 'utf8');
      const changed = text.replace('string grant_id = 1;', 'string grant_id = 9;');
      assert.notEqual(changed, text);
      await writeFile(file, changed);
      await assert.rejects(
        run(BUF, ['breaking', tmp, '--against', join(ROOT, 'proto', 'released.binpb')]),
        (err: { stdout?: string }) => {
          assert.match(err.stdout ?? '', /grant_id/);
          return true;
        },
      );
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }
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
