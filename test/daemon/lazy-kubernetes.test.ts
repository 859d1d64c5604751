import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The modules that importing `entry` resolves whose specifier names `pkg`, with their importers. */
async function importsOf(entry: string, pkg: string): Promise<string[]> {
  const probe = `
    import { registerHooks } from 'node:module';
    registerHooks({
      resolve(specifier, context, next) {
        if (specifier.includes(${JSON.stringify(pkg)})) console.log(context.parentURL);
        return next(specifier, context);
      },
    });
    await import(${JSON.stringify(fileURLToPath(new URL(entry, import.meta.url)))});`;
  const { stdout } = await run(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', probe]);
  return stdout.split('\n').filter(Boolean);
}

describe('the Kubernetes client is loaded only for leader election', () => {
  it('the CLI and the daemon do not load it when they start', async () => {
    assert.deepEqual(await importsOf('../../src/cli/program.ts', '@kubernetes/client-node'), []);
  });

  it('the Lease module does (the probe sees it when it is there)', async () => {
    const importers = await importsOf('../../src/daemon/lease.ts', '@kubernetes/client-node');
    assert.ok(
      importers.some((u) => u.endsWith('/src/daemon/lease.ts')),
      importers.join(', '),
    );
  });
});
