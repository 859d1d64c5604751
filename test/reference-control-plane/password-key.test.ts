import assert from 'node:assert/strict';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sealTo } from '../../src/framework/provisioning/seal.js';
import {
  loadPasswordKey,
  openSealed,
  passwordIdentityPath,
} from '../../src/reference-control-plane/password-key.js';

describe('the control plane password key', () => {
  let dir: string;
  beforeEach(async () => (dir = await mkdtemp(join(tmpdir(), 'cp-key-'))));
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('is made once, readable by its owner only, and kept across starts', async () => {
    const [a, b] = await Promise.all([loadPasswordKey(dir), loadPasswordKey(dir)]);
    assert.equal(a.identity, b.identity, 'two starts at once agree on one key');
    assert.match(a.recipient, /^age1[02-9ac-hj-np-z]{58}$/);
    assert.equal((await stat(passwordIdentityPath(dir))).mode & 0o777, 0o600);
    assert.equal((await loadPasswordKey(dir)).recipient, a.recipient);
  });

  it('opens what a daemon sealed to its recipient, and nothing sealed to another', async () => {
    const { recipient } = await loadPasswordKey(dir);
    assert.equal(await openSealed(dir, await sealTo(recipient, 'Secret-Pass-123!')), 'Secret-Pass-123!');
    const other = await mkdtemp(join(tmpdir(), 'cp-key-other-'));
    try {
      const foreign = await sealTo((await loadPasswordKey(other)).recipient, 'nope');
      await assert.rejects(openSealed(dir, foreign));
    } finally {
      await rm(other, { recursive: true, force: true });
    }
  });
});
