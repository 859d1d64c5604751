import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, resolveFileSettings } from '../../src/config/source.js';
import { MAX_SETTING_FILE_BYTES } from '../../src/config/setting-file.js';

function problemsOf(env: Record<string, string>): string[] {
  try {
    resolveFileSettings(env);
  } catch (err) {
    assert.ok(err instanceof ConfigError, String(err));
    return err.problems;
  }
  assert.fail('expected a ConfigError');
}

describe('file-mounted settings (X_FILE)', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'setting-files-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('refuses a FIFO at once instead of waiting for a writer', () => {
    const fifo = join(dir, 'secret');
    execFileSync('mkfifo', [fifo]);
    assert.deepEqual(problemsOf({ BATON_ENTRA_CLIENT_SECRET_FILE: fifo }), [
      `BATON_ENTRA_CLIENT_SECRET_FILE: ${fifo} is a named pipe (FIFO), not a regular file; expected a file holding the value`,
    ]);
  });

  it('refuses a directory and a device', () => {
    assert.match(
      problemsOf({ BATON_ENTRA_CLIENT_SECRET_FILE: dir })[0]!,
      /is a directory, not a regular file/,
    );
    assert.match(
      problemsOf({ BATON_ENTRA_CLIENT_SECRET_FILE: '/dev/zero' })[0]!,
      /^BATON_ENTRA_CLIENT_SECRET_FILE: \/dev\/zero is a device, not a regular file/,
    );
  });

  it('refuses a file larger than the bound', () => {
    const big = join(dir, 'big');
    writeFileSync(big, Buffer.alloc(MAX_SETTING_FILE_BYTES + 1, 'a'));
    assert.match(
      problemsOf({ BATON_ENTRA_CERTIFICATE_FILE: big })[0]!,
      /^BATON_ENTRA_CERTIFICATE_FILE: .* holds 1048577 bytes; expected a value of at most 1048576 bytes$/,
    );
  });

  it('follows symbolic links to a regular file, as in a Kubernetes Secret volume', () => {
    mkdirSync(join(dir, '..data_1'));
    writeFileSync(join(dir, '..data_1', 'BATON_ENTRA_CLIENT_SECRET'), 'from-the-volume\n');
    symlinkSync('..data_1', join(dir, '..data'));
    symlinkSync(join('..data', 'BATON_ENTRA_CLIENT_SECRET'), join(dir, 'BATON_ENTRA_CLIENT_SECRET'));
    const env = resolveFileSettings({
      BATON_ENTRA_CLIENT_SECRET_FILE: join(dir, 'BATON_ENTRA_CLIENT_SECRET'),
    });
    assert.equal(env.BATON_ENTRA_CLIENT_SECRET, 'from-the-volume');
  });

  it('names the variable and the path of a missing file', () => {
    const missing = join(dir, 'missing');
    assert.deepEqual(problemsOf({ BATON_ENTRA_CLIENT_SECRET_FILE: missing }), [
      `BATON_ENTRA_CLIENT_SECRET_FILE: cannot read ${missing} (ENOENT)`,
    ]);
  });
});
