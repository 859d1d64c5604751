import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { pino } from 'pino';
import { loadConfig } from '../../../src/config/load.js';
import { runSync } from '../../../src/connector/sync.js';
import { simulatorEnv, useSimulator } from '../../support/simulator-env.js';
import { applyMutation, mutationArb } from './support/mutations.js';
import { exportOf } from './support/harness.js';
import { readSnapshotHeader } from '../../../src/snapshot/file.js';

/** A logger whose messages land in `lines`. */
function recordingLogger(lines: string[]) {
  return pino({ level: 'info', base: null }, { write: (s: string) => void lines.push(s) });
}

/** Runs (default 20, PATCH_RUNS to change) of random change sets per configuration. */
const RUNS = Number(process.env.PATCH_RUNS ?? 20);

describe('a patched incremental equals a fresh full sync (random change sets on the simulator)', function () {
  // One clock for the simulator (audit times, token and delta-link lifetimes) and the syncs; runs
  // move it days ahead, so staleness and credential expiry boundaries pass between syncs.
  let clock = Date.now();
  const now = () => clock;
  const fx = useSimulator({ preset: 'demo', seed: 11, host: '127.0.0.1', now });

  const variants: [string, Record<string, string>][] = [
    ['default options', {}],
    [
      'on-premises groups, unassigned apps and unlicensed users skipped, sign-in activity and staleness',
      {
        BATON_SKIP_AD_GROUPS: 'true',
        BATON_SKIP_UNASSIGNED_APPS: 'true',
        BATON_LICENSED_USERS_ONLY: 'true',
        BATON_SIGN_IN_ACTIVITY: 'true',
        BATON_USER_STALE_DAYS: '30',
        BATON_DEVICE_STALE_DAYS: '30',
      },
    ],
    // The scope groups are picked from the tenant below.
    ['scope groups', { BATON_SCOPE_GROUPS: '' }],
  ];

  it('an application that loses its last assignment takes its registration’s credentials’ identity with it', async () => {
    const dir = join(fx.dir, 'identity');
    mkdirSync(join(dir, 'full'), { recursive: true });
    const config = loadConfig({
      ...simulatorEnv(fx.sim),
      BATON_SYNC_DEVICES: 'true',
      BATON_SKIP_UNASSIGNED_APPS: 'true',
    });
    const t = fx.sim.tenant;
    // An app registration with credentials whose service principal has assignments.
    const app = [...t.applications.values()].find(
      (a) =>
        a.passwordCredentials.length + a.keyCredentials.length > 0 &&
        [...t.servicePrincipals.values()].some(
          (sp) => sp.appId === a.appId && t.appRoleAssignedTo(sp.id).length > 0,
        ),
    );
    assert.ok(app, 'the demo tenant has an assigned application with credentials');
    const sp = [...t.servicePrincipals.values()].find((s) => s.appId === app.appId)!;
    await runSync({ config, outFile: join(dir, 'a.snap'), now });
    for (const a of t.appRoleAssignedTo(sp.id)) t.removeAppRoleAssignment(a.id);
    const lines: string[] = [];
    await runSync({
      config,
      outFile: join(dir, 'b.snap'),
      incrementalFrom: join(dir, 'a.snap'),
      now,
      logger: recordingLogger(lines),
    });
    assert.ok(lines.some((l) => l.includes('"output patched"')));
    await runSync({ config, outFile: join(dir, 'full', 'c.snap'), stateDir: join(dir, 'full'), now });
    const patched = await exportOf(join(dir, 'b.snap'));
    assert.ok(
      !patched.some((r) => r.id === `enterprise_application:${sp.id}`),
      'the application left the output',
    );
    assert.deepEqual(patched, await exportOf(join(dir, 'full', 'c.snap')));
  });

  for (const [name, extra] of variants) {
    it(`${name}: every incremental of a chain patches the kept store and ends equal to a full sync`, async () => {
      const dir = join(fx.dir, name.replace(/\W+/g, '-'));
      const fullDir = join(dir, 'full');
      mkdirSync(fullDir, { recursive: true });
      const env: Record<string, string> = { ...simulatorEnv(fx.sim), BATON_SYNC_DEVICES: 'true', ...extra };
      if (extra.BATON_SCOPE_GROUPS !== undefined) {
        // The first two assigned groups, where the changes pile up (see mutations.ts).
        const groups = [...fx.sim.tenant.groups.values()].filter(
          (g) => !g.groupTypes.includes('DynamicMembership'),
        );
        env.BATON_SCOPE_GROUPS = groups
          .slice(0, 2)
          .map((g) => g.id)
          .join(',');
      }
      const config = loadConfig(env);
      let parent = join(dir, 'base.snap');
      await runSync({ config, outFile: parent, now });
      let step = 0;
      await fc.assert(
        fc.asyncProperty(
          fc.array(mutationArb, { minLength: 0, maxLength: 10 }),
          fc.nat(3),
          async (changes, days) => {
            for (const m of changes) applyMutation(fx.sim.tenant, m);
            clock += days * 86_400_000 + 1000;
            step++;
            const lines: string[] = [];
            const out = join(dir, `inc-${step}.snap`);
            const before = (await readSnapshotHeader(parent)).header;
            await runSync({
              config,
              outFile: out,
              incrementalFrom: parent,
              now,
              logger: recordingLogger(lines),
            });
            parent = out;
            assert.ok(
              lines.some((l) => l.includes('"output patched"')),
              `the incremental patched the kept store:\n${lines.join('')}`,
            );
            // Written as a diff of its parent, read whole (exportOf) through its chain.
            const { header } = await readSnapshotHeader(out);
            assert.equal(header.formatVersion, 2);
            assert.deepEqual(header.base, { syncId: before.syncId, sha256: before.sha256 });
            const full = join(fullDir, `full-${step}.snap`);
            await runSync({ config, outFile: full, stateDir: fullDir, now });
            assert.deepEqual(
              await exportOf(out),
              await exportOf(full),
              `changes: ${JSON.stringify(changes)}`,
            );
            // The counts a patch carries forward from its parent are a full sync's.
            assert.deepEqual(header.counts, (await readSnapshotHeader(full)).header.counts);
          },
        ),
        { numRuns: RUNS, seed: 20261123, endOnFailure: true },
      );
    });
  }
});
