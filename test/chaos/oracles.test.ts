import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdir, readFile, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runSync } from '../../src/connector/sync.js';
import type { ExportRecord } from '../../src/snapshot/export.js';
import { FakeGraph } from '../framework/engine/support/fake-graph.js';
import { demoTenant } from '../framework/engine/support/fake-tenant.js';
import { exportOf, FIXED_NOW, tempDir, testConfig } from '../framework/engine/support/harness.js';
import {
  compareExports,
  deliveredOnce,
  effectsOnce,
  filesUnder,
  secretLeaks,
  wholeOrAbsent,
  type Received,
} from './oracles.js';

/** Each chaos oracle, fed the violation it exists to catch, catches it; fed a clean case, is quiet. */
describe('chaos oracles catch planted violations', () => {
  let tmp: ReturnType<typeof tempDir>;
  let snapshot: string;
  before(async () => {
    tmp = tempDir();
    snapshot = join(tmp.dir, 'a.snapshot');
    await runSync({
      config: testConfig(),
      outFile: snapshot,
      graph: new FakeGraph(demoTenant()),
      now: () => FIXED_NOW,
    });
  });
  after(() => tmp.cleanup());

  it('export: a lost grant, a changed field, an extra and a duplicate record are each reported', async () => {
    const records = await exportOf(snapshot);
    assert.deepEqual(compareExports(records, await exportOf(snapshot)), []);
    const grant = records.findIndex((r) => r.kind === 'grant');
    const lost = records.filter((_, i) => i !== grant);
    assert.match(compareExports(records, lost)[0]!.detail, /1 of \d+ records wrong: missing grant /);
    const resource = records.find((r) => r.kind === 'resource')!;
    const changed = records.map((r) =>
      r === resource ? ({ ...r, display_name: 'Someone Else' } as ExportRecord) : r,
    );
    assert.match(compareExports(records, changed)[0]!.detail, /differs resource .*Someone Else/);
    const extra = [...records, { ...records[grant]!, id: `${records[grant]!.id}-phantom` } as ExportRecord];
    assert.match(compareExports(records, extra)[0]!.detail, /extra grant .*-phantom/);
    assert.match(compareExports(records, [...records, records[grant]!])[0]!.detail, /duplicate grant /);
    // Field order is not a difference.
    const reordered = records.map((r) => Object.fromEntries(Object.entries(r).reverse()) as ExportRecord);
    assert.deepEqual(compareExports(records, reordered), []);
  });

  it('partial file: a snapshot cut short or corrupted at its final path is reported; whole or absent is not', async () => {
    assert.deepEqual(await wholeOrAbsent(snapshot), []);
    assert.deepEqual(await wholeOrAbsent(join(tmp.dir, 'never-written.snapshot')), []);
    const cut = join(tmp.dir, 'cut.snapshot');
    const bytes = await readFile(snapshot);
    await writeFile(cut, bytes.subarray(0, Math.floor(bytes.length * 0.6)));
    assert.equal((await wholeOrAbsent(cut))[0]?.oracle, 'partial-file');
    const flipped = Buffer.from(bytes);
    flipped[flipped.length - 10] = flipped[flipped.length - 10]! ^ 0xff;
    await writeFile(cut, flipped);
    assert.match((await wholeOrAbsent(cut))[0]!.detail, /checksum|decompress/);
    await truncate(cut, 0);
    assert.equal((await wholeOrAbsent(cut)).length, 1);
  });

  it('exactly once: a lost, a doubled, an unsent and an altered snapshot are each reported', async () => {
    const dir = join(tmp.dir, 'cp');
    await mkdir(dir, { recursive: true });
    const file = async (name: string, content: string): Promise<Received & { content: string }> => {
      const path = join(dir, name);
      await writeFile(path, content);
      return { syncId: name, sha256: createHash('sha256').update(content).digest('hex'), path, content };
    };
    const a = await file('a', 'snapshot a');
    const b = await file('b', 'snapshot b');
    const spooled = [a, b].map(({ syncId, sha256 }) => ({ syncId, sha256 }));
    assert.deepEqual(await deliveredOnce(spooled, [a, b]), []);
    assert.match((await deliveredOnce(spooled, [a]))[0]!.detail, /b arrived 0 times/);
    assert.match((await deliveredOnce(spooled, [a, b, b]))[0]!.detail, /b arrived 2 times/);
    const c = await file('c', 'snapshot c');
    assert.match((await deliveredOnce(spooled, [a, b, c]))[0]!.detail, /holds c, never spooled/);
    assert.match(
      (await deliveredOnce(spooled, [a, { ...b, syncId: 'b', sha256: c.sha256 }]))[0]!.detail,
      /arrived with sha256/,
    );
    assert.match(
      (await deliveredOnce(spooled, [a, { ...b, syncId: 'b', path: c.path }]))[0]!.detail,
      /stored file is not what was sent/,
    );
    const twice = [
      { syncId: 'a', sha256: a.sha256 },
      { syncId: 'a2', sha256: a.sha256 },
    ];
    assert.match(
      (await deliveredOnce(twice, [a, { ...a, syncId: 'a2' }]))[0]!.detail,
      /content arrived under several sync ids/,
    );
  });

  it('secrets: a secret value or a token in a log line or a file is reported; a masked one is not', async () => {
    const secret = 'Xq8~s3cr3t.v4lue_0123456789';
    const jwt = `eyJhbGciOiJSUzI1NiJ9.eyJhdWQiOiJodHRwczovL2dyYXBoIn0.${'s'.repeat(40)}`;
    assert.deepEqual(secretLeaks([secret], [{ name: 'log', text: '{"clientSecret":"[REDACTED]"}' }]), []);
    assert.match(
      secretLeaks([secret], [{ name: 'log', text: `{"msg":"x","s":"${secret}"}` }])[0]!.detail,
      /log holds a secret/,
    );
    assert.match(
      secretLeaks([], [{ name: 'log', text: `authorization: Bearer ${jwt}` }])[0]!.detail,
      /holds a token/,
    );
    const nested = join(tmp.dir, 'deep', 'er');
    await mkdir(nested, { recursive: true });
    await writeFile(join(nested, 'state.json'), JSON.stringify({ password: secret }));
    const found = secretLeaks([secret], await filesUnder(tmp.dir));
    assert.equal(found.length, 1);
    assert.match(found[0]!.detail, /state\.json holds a secret/);
  });

  it('effects: an effect applied twice or not at all is reported; once is not', () => {
    assert.deepEqual(effectsOnce([{ effect: 'member x of g', times: 1 }]), []);
    const v = effectsOnce([
      { effect: 'account jane@x', times: 2 },
      { effect: 'member x of g', times: 0 },
    ]);
    assert.deepEqual(
      v.map((x) => x.detail),
      ['account jane@x: 2 times, expected once', 'member x of g: 0 times, expected once'],
    );
  });
});
