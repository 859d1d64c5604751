import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import {
  CONNECTOR,
  CONNECTOR_SETTINGS,
  DAEMON,
  DAEMON_SETTINGS,
  SETTINGS,
  SETTING_GROUPS,
  SETTING_NAMES,
} from '../../src/config/settings.js';
import { loadConfig } from '../../src/config/load.js';
import { ConfigError, resolveFileSettings } from '../../src/config/source.js';
import { loadDaemonSettings } from '../../src/daemon/settings.js';
import { ROOT, runCli } from '../support/cli.js';
import { clientSecret } from '../support/client-secret.js';
import { testTls } from '../support/test-tls.js';

const BASE = {
  BATON_ENTRA_TENANT_ID: '11111111-2222-3333-4444-555555555555',
  BATON_ENTRA_CLIENT_ID: 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee',
  BATON_ENTRA_CLIENT_SECRET: 'catalogue-secret-1',
};

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

const SOURCES = sourceFiles(join(ROOT, 'src')).map((path) => ({
  path: relative(ROOT, path),
  text: readFileSync(path, 'utf8'),
}));

/** BATON_* names the source reads: string literals and `env.BATON_*` accesses (prefixes such as 'BATON_ENTRA_' excluded). */
function namesReadInSource(): Map<string, string> {
  const found = new Map<string, string>();
  for (const { path, text } of SOURCES) {
    for (const [, literal, access] of text.matchAll(/'(BATON_[A-Z0-9_]*[A-Z0-9])'|\benv\.(BATON_\w+)/g)) {
      const name = (literal ?? access)!;
      if (!found.has(name)) found.set(name, path);
    }
  }
  return found;
}

/**
 * The names in the first column of the README table that follows `heading`. `…_X` stands for the
 * first name of its cell with its last `_PART` replaced by `_X`.
 */
function readmeTable(readme: string, heading: string): string[] {
  const section = readme.slice(readme.indexOf(`\n${heading}\n`));
  assert.ok(section.length < readme.length, `README has no "${heading}"`);
  const lines = section.split('\n');
  const start = lines.findIndex((l) => /^\| Variable\s*\|/.test(l));
  assert.ok(start > 0, `no settings table under "${heading}"`);
  const names: string[] = [];
  for (const line of lines.slice(start + 2)) {
    if (!line.startsWith('|')) break;
    const cell = line.split('|')[1]!;
    const tokens = [...cell.matchAll(/`([^`]+)`/g)].map((m) => m[1]!);
    const first = tokens[0]!;
    for (const t of tokens) {
      names.push(t.startsWith('…_') ? first.slice(0, first.lastIndexOf('_')) + t.slice(1) : t);
    }
  }
  return names;
}

describe('settings catalogue', () => {
  it('has every BATON_* name read anywhere in src/', () => {
    const missing = [...namesReadInSource()].filter(([name]) => !SETTING_NAMES.has(name));
    assert.deepEqual(
      missing.map(([name, path]) => `${name} (${path})`),
      [],
    );
  });

  it('declares no name twice, and every entry fully', () => {
    const names = SETTINGS.map((s) => s.name);
    assert.equal(new Set(names).size, names.length);
    assert.deepEqual(
      Object.keys(CONNECTOR).filter((n) => n in DAEMON),
      [],
    );
    assert.equal(SETTINGS.length, CONNECTOR_SETTINGS.length + DAEMON_SETTINGS.length);
    for (const s of SETTINGS) {
      assert.match(s.name, /^BATON_[A-Z0-9_]+[A-Z0-9]$/);
      assert.ok(s.description.length > 10, s.name);
      assert.ok(s.group in SETTING_GROUPS, s.name);
      assert.equal(typeof s.parse, 'function', s.name);
    }
    assert.ok(DAEMON_SETTINGS.every((s) => s.group !== 'connector'));
  });

  it('is read through one parse loop (envalid only in src/config/settings.ts)', () => {
    const envalid = SOURCES.filter(({ text }) => /from 'envalid'/.test(text)).map((f) => f.path);
    assert.deepEqual(envalid, [join('src', 'config', 'settings.ts')]);
  });

  it('applies every daemon default it shows that is a value', () => {
    const d = loadDaemonSettings({ BATON_LEADER_ELECTION: 'true', BATON_LEASE_NAMESPACE: 'ns' });
    const parsed = (name: keyof typeof DAEMON): unknown => {
      const spec = DAEMON[name] as { default?: string; parse: (raw: string) => unknown };
      return spec.parse(spec.default!);
    };
    assert.equal(d.http.port, parsed('BATON_HTTP_PORT'));
    assert.equal(d.http.host, parsed('BATON_HTTP_HOST'));
    assert.equal(d.fullSyncIntervalMs, parsed('BATON_FULL_SYNC_INTERVAL'));
    assert.equal(d.shutdownTimeoutMs, parsed('BATON_SHUTDOWN_TIMEOUT'));
    assert.equal(d.keepSnapshots, parsed('BATON_KEEP_SNAPSHOTS'));
    assert.equal(d.schedule.active, parsed('BATON_SYNC_ACTIVE'));
    assert.equal(d.schedule.runOnStart, parsed('BATON_SYNC_ON_START'));
    assert.equal(d.leaderElection?.name, parsed('BATON_LEASE_NAME'));
    assert.equal(d.leaderElection?.leaseDurationMs, parsed('BATON_LEASE_DURATION'));
    assert.equal(d.leaderElection?.renewDeadlineMs, parsed('BATON_LEASE_RENEW_DEADLINE'));
    assert.equal(d.leaderElection?.retryPeriodMs, parsed('BATON_LEASE_RETRY_PERIOD'));
    const cp = loadDaemonSettings({
      BATON_CONTROL_PLANE_ADDRESS: 'cp.example.com:443',
      BATON_CLIENT_ID: 'id',
      BATON_CLIENT_SECRET: clientSecret(),
    }).controlPlane;
    assert.equal(cp?.tls.mode, parsed('BATON_CONTROL_PLANE_TLS'));
    assert.equal(cp?.spool?.maxBytes, 2 * 1024 ** 3);
    assert.equal(cp?.spool?.maxBytes, parsed('BATON_SPOOL_MAX_BYTES'));
    assert.equal(cp?.spool?.maxFiles, parsed('BATON_SPOOL_MAX_FILES'));
  });

  it('suggests daemon settings for mistyped names', () => {
    let problems: string[] = [];
    try {
      loadConfig({ ...BASE, BATON_SYNC_INTERVALL: '1h', BATON_LEASE_NAMESPCE: 'ns' });
    } catch (err) {
      assert.ok(err instanceof ConfigError, String(err));
      problems = err.problems;
    }
    assert.deepEqual(problems, [
      'BATON_SYNC_INTERVALL: unknown setting; did you mean BATON_SYNC_INTERVAL?',
      'BATON_LEASE_NAMESPCE: unknown setting; did you mean BATON_LEASE_NAMESPACE?',
    ]);
  });

  it('takes daemon settings from _FILE variables, which the connector accepts', async () => {
    const { caPem } = await testTls();
    const env = resolveFileSettings(
      { ...BASE, BATON_SYNC_INTERVAL_FILE: '/mnt/interval', BATON_CONTROL_PLANE_CA_FILE: '/mnt/ca.pem' },
      (path) => (path === '/mnt/interval' ? '15m\n' : `${caPem}\n`),
    );
    assert.doesNotThrow(() => loadConfig(env));
    const d = loadDaemonSettings({
      ...env,
      BATON_CONTROL_PLANE_ADDRESS: 'cp.example.com:443',
      BATON_CLIENT_ID: 'id',
      BATON_CLIENT_SECRET: clientSecret(),
    });
    assert.equal(d.schedule.intervalMs, 15 * 60_000);
    assert.equal(d.controlPlane?.tls.caPem, caPem.trimEnd());
  });

  it('config --list --json lists every setting, the daemon ones included, grouped', async () => {
    const r = await runCli(['config', '--list', '--json'], {});
    assert.equal(r.code, 0, r.stderr);
    const rows = JSON.parse(r.stdout) as { name: string; group: string; secret: boolean; default?: string }[];
    assert.deepEqual(rows.map((s) => s.name).sort(), [...SETTING_NAMES].sort());
    const row = (name: string) => rows.find((s) => s.name === name);
    assert.deepEqual(row('BATON_SYNC_INTERVAL')?.group, 'schedule');
    assert.deepEqual(row('BATON_HTTP_PORT')?.default, '8080');
    assert.equal(row('BATON_CLIENT_SECRET')?.secret, true);
    assert.equal(row('BATON_CONTROL_PLANE_CLIENT_KEY')?.secret, true);
    // Rows come group by group, in SETTING_GROUPS order.
    const order = Object.keys(SETTING_GROUPS);
    const seen = rows.map((s) => order.indexOf(s.group));
    assert.deepEqual(
      seen,
      [...seen].sort((a, b) => a - b),
    );
  });

  it('config --list prints a heading per group', async () => {
    const r = await runCli(['config', '--list'], {});
    assert.equal(r.code, 0, r.stderr);
    for (const title of Object.values(SETTING_GROUPS)) assert.ok(r.stdout.includes(`${title}:\n`), title);
    assert.match(r.stdout, /^ {2}BATON_LEADER_ELECTION \[default: false\]$/m);
    assert.match(r.stdout, /^ {2}BATON_ENTRA_CLIENT_SECRET \(secret\)$/m);
  });

  it("README's settings tables list exactly the catalogue's names", () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const connector = readmeTable(readme, '## Sync a tenant once');
    const daemon = readmeTable(readme, '## Run as a service');
    for (const names of [connector, daemon]) assert.equal(new Set(names).size, names.length, names.join());
    assert.deepEqual([...connector].sort(), Object.keys(CONNECTOR).sort());
    assert.deepEqual([...daemon].sort(), Object.keys(DAEMON).sort());
  });
});
