import assert from 'node:assert/strict';
import {
  mkdtempSync,
  mkdirSync,
  readdirSync,
  renameSync,
  rmSync,
  symlinkSync,
  unlinkSync,
  writeFileSync,
  existsSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigWatcher } from '../../src/daemon/config-watcher.js';
import { ConfigError } from '../../src/config/source.js';
import { ManualClock } from '../support/manual-clock.js';

/** Writes a new version the way the kubelet's atomic writer does: new hidden dir, `..data` swap. */
let version = 0;
function kubeletWrite(dir: string, files: Record<string, string>): void {
  const old = existsSync(join(dir, '..data')) ? readdirSync(dir).filter((n) => n.startsWith('..20')) : [];
  const ts = `..2026_01_01_00_00_00.${String(++version).padStart(6, '0')}`;
  mkdirSync(join(dir, ts));
  for (const [k, v] of Object.entries(files)) writeFileSync(join(dir, ts, k), v);
  symlinkSync(ts, join(dir, '..data_tmp'));
  renameSync(join(dir, '..data_tmp'), join(dir, '..data'));
  for (const k of Object.keys(files))
    if (!existsSync(join(dir, k))) symlinkSync(join('..data', k), join(dir, k));
  for (const n of readdirSync(dir)) if (!n.startsWith('.') && !(n in files)) unlinkSync(join(dir, n));
  for (const o of old) rmSync(join(dir, o), { recursive: true });
}

interface Cfg {
  provisioning: boolean;
  tenant: string;
}

function load(env: Record<string, string>): Cfg {
  const p = env.BATON_PROVISIONING ?? 'false';
  if (p !== 'true' && p !== 'false')
    throw new ConfigError([`BATON_PROVISIONING: expected "true" or "false", got "${p}"`]);
  if (!env.BATON_ENTRA_TENANT_ID) throw new ConfigError(['BATON_ENTRA_TENANT_ID: required']);
  return { provisioning: p === 'true', tenant: env.BATON_ENTRA_TENANT_ID };
}

describe('ConfigWatcher', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'baton-cfg-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  function setup(extra: { watch?: boolean } = {}) {
    const clock = new ManualClock();
    const changes: [Cfg, Cfg][] = [];
    const errors: Error[] = [];
    const w = new ConfigWatcher<Cfg>({
      dir,
      baseEnv: { BATON_ENTRA_TENANT_ID: 'from-env', BATON_PROVISIONING: 'false', UNRELATED: undefined },
      load,
      onChange: (n, p) => void changes.push([n, p]),
      onError: (e) => void errors.push(e),
      pollMs: 10_000,
      watch: extra.watch ?? false,
      clock,
    });
    return { clock, changes, errors, w };
  }

  it('overlays files on the base env and picks up an atomic ..data swap on the next poll', async () => {
    kubeletWrite(dir, { BATON_PROVISIONING: 'false\n' });
    writeFileSync(join(dir, '.hidden'), 'ignored');
    const { clock, changes, errors, w } = setup();
    assert.deepEqual(w.start(), { provisioning: false, tenant: 'from-env' });
    await clock.advanceAsync(10_000);
    assert.equal(changes.length, 0, 'no change, no callback');
    kubeletWrite(dir, { BATON_PROVISIONING: 'true', BATON_ENTRA_TENANT_ID: 'from-file' });
    await clock.advanceAsync(9_999);
    assert.equal(changes.length, 0, 'not before the poll');
    await clock.advanceAsync(1); // the poll alone delivers it (fs.watch is off here)
    assert.deepEqual(changes, [
      [
        { provisioning: true, tenant: 'from-file' },
        { provisioning: false, tenant: 'from-env' },
      ],
    ]);
    assert.deepEqual(w.current, { provisioning: true, tenant: 'from-file' });
    assert.deepEqual(errors, []);
    w.stop();
  });

  it('rejects an invalid change naming the variable, keeps the old config, reports once', async () => {
    kubeletWrite(dir, { BATON_PROVISIONING: 'true' });
    const { clock, changes, errors, w } = setup();
    w.start();
    kubeletWrite(dir, { BATON_PROVISIONING: 'maybe' });
    await clock.advanceAsync(10_000);
    await w.check();
    await clock.advanceAsync(30_000);
    await w.check();
    assert.equal(changes.length, 0);
    assert.equal(errors.length, 1, 'reported once, not on every poll');
    assert.match(errors[0]!.message, /changed: BATON_PROVISIONING/);
    assert.match(errors[0]!.message, /BATON_PROVISIONING: expected "true" or "false", got "maybe"/);
    assert.deepEqual(w.current, { provisioning: true, tenant: 'from-env' });
    kubeletWrite(dir, { BATON_PROVISIONING: 'false' });
    await w.check();
    assert.deepEqual(
      changes.map(([n]) => n.provisioning),
      [false],
      'a later valid change applies',
    );
    w.stop();
  });

  it('a key removed from the Secret falls back to the base env', async () => {
    kubeletWrite(dir, { BATON_PROVISIONING: 'true', BATON_ENTRA_TENANT_ID: 'from-file' });
    const { changes, w } = setup();
    assert.deepEqual(w.start(), { provisioning: true, tenant: 'from-file' });
    kubeletWrite(dir, { BATON_PROVISIONING: 'true' });
    await w.check();
    assert.deepEqual(changes.at(-1)?.[0], { provisioning: true, tenant: 'from-env' });
    w.stop();
  });

  it('start() throws ConfigError on invalid initial settings or a missing directory', () => {
    kubeletWrite(dir, { BATON_PROVISIONING: 'yes' });
    assert.throws(
      () => setup().w.start(),
      (e: Error) => e instanceof ConfigError && /BATON_PROVISIONING/.test(e.message),
    );
    rmSync(dir, { recursive: true });
    assert.throws(
      () => setup().w.start(),
      (e: Error) =>
        e instanceof ConfigError &&
        /BATON_CONFIG_DIR: cannot read settings directory .* \(ENOENT\)/.test(e.message),
    );
    mkdirSync(dir);
  });

  it('a failing onChange is reported and retried on the next poll', async () => {
    kubeletWrite(dir, { BATON_PROVISIONING: 'false' });
    const clock = new ManualClock();
    const errors: Error[] = [];
    let fail = true;
    const applied: boolean[] = [];
    const w = new ConfigWatcher<Cfg>({
      dir,
      baseEnv: { BATON_ENTRA_TENANT_ID: 't' },
      load,
      onChange: (n) => {
        if (fail) throw new Error('scheduler refused');
        applied.push(n.provisioning);
      },
      onError: (e) => void errors.push(e),
      watch: false,
      clock,
    });
    w.start();
    kubeletWrite(dir, { BATON_PROVISIONING: 'true' });
    await w.check();
    assert.match(errors[0]!.message, /scheduler refused/);
    assert.equal(w.current.provisioning, false);
    fail = false;
    await clock.advanceAsync(10_000);
    await w.check();
    assert.deepEqual(applied, [true]);
    w.stop();
  });

  it('fs.watch prompts a check without waiting for the poll', async () => {
    kubeletWrite(dir, { BATON_PROVISIONING: 'false' });
    const { changes, w } = setup({ watch: true });
    const changed = new Promise<void>((resolve) => {
      const t = setInterval(() => changes.length && (clearInterval(t), resolve()), 5);
    });
    w.start();
    kubeletWrite(dir, { BATON_PROVISIONING: 'true' });
    await changed; // the manual clock never moves: only the watch hint can deliver this
    assert.equal(changes[0]![0].provisioning, true);
    w.stop();
  });
});
