import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

// No container engine or hadolint here: the Dockerfile is checked by parsing its instructions.

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');

interface Instruction {
  op: string;
  args: string;
  line: number;
}

/** Splits a Dockerfile into instructions (continuations joined, comments and parser directives dropped). */
export function parseDockerfile(text: string): Instruction[] {
  const out: Instruction[] = [];
  let buf = '';
  let start = 0;
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (!buf && (line === '' || line.startsWith('#'))) return;
    if (!buf) start = i + 1;
    if (line.startsWith('#')) return;
    buf += (buf ? ' ' : '') + line.replace(/\\$/, '').trim();
    if (line.endsWith('\\')) return;
    const m = /^(\S+)\s*(.*)$/.exec(buf)!;
    out.push({ op: m[1]!.toUpperCase(), args: m[2]!, line: start });
    buf = '';
  });
  return out;
}

function stages(ins: Instruction[]): Instruction[][] {
  const result: Instruction[][] = [];
  for (const i of ins) {
    if (i.op === 'FROM') result.push([]);
    result.at(-1)?.push(i);
  }
  return result;
}

describe('Dockerfile', () => {
  const ins = parseDockerfile(readFileSync(join(ROOT, 'Dockerfile'), 'utf8'));
  const all = stages(ins);
  const final = all.at(-1)!;
  const args = Object.fromEntries(
    ins.filter((i) => i.op === 'ARG').map((i) => i.args.split('=') as [string, string]),
  );
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
    bin: Record<string, string>;
    scripts: Record<string, string>;
  };

  it('is multi-stage on a version-pinned node 24 bookworm-slim base', () => {
    assert.ok(all.length >= 2, 'a build stage and a runtime stage');
    assert.match(args.NODE_VERSION ?? '', /^24\.\d+\.\d+$/, 'NODE_VERSION pins an exact Node 24 release');
    for (const s of all) {
      const from = s[0]!.args.replace('${NODE_VERSION}', args.NODE_VERSION!);
      assert.match(
        from,
        /^node:24\.\d+\.\d+-bookworm-slim(@sha256:[0-9a-f]{64})?( AS \w+)?$/i,
        `pinned base: ${from}`,
      );
    }
    assert.ok(
      final.some((i) => i.op === 'COPY' && i.args.includes('--from=build')),
      'runtime copies from the build stage',
    );
  });

  it('builds with npm ci from the lockfile and prunes dev dependencies', () => {
    const run = all[0]!
      .filter((i) => i.op === 'RUN')
      .map((i) => i.args)
      .join('\n');
    assert.match(run, /npm ci\b/);
    const build = pkg.scripts.build!.replace(/^tsc /, 'tsc ');
    assert.ok(
      run.includes('npm run build') || run.includes(build),
      `the build stage runs "${build}" like npm run build`,
    );
    assert.match(run, /npm prune --omit=dev/);
    assert.ok(all[0]!.some((i) => i.op === 'COPY' && i.args.includes('package-lock.json')));
    assert.ok(!ins.some((i) => i.op === 'ADD' && /https?:\/\//.test(i.args)), 'no remote ADD');
  });

  it('runs as a numeric non-root user with exec-form entrypoint and serve as default command', () => {
    const user = final.filter((i) => i.op === 'USER').at(-1);
    assert.ok(user, 'the runtime stage sets USER');
    const uid = user.args.split(':')[0]!;
    assert.match(uid, /^\d+$/, 'numeric, so runAsNonRoot can be verified');
    assert.notEqual(Number(uid), 0);
    const entry = final.find((i) => i.op === 'ENTRYPOINT')!;
    assert.deepEqual(JSON.parse(entry.args), ['node', pkg.bin['baton-entra']]);
    assert.deepEqual(JSON.parse(final.find((i) => i.op === 'CMD')!.args), ['serve']);
    assert.equal(ins.filter((i) => i.op === 'CMD').length, 1);
  });

  it('sets NODE_ENV=production, exposes 8080 and has no MAINTAINER', () => {
    assert.ok(final.some((i) => i.op === 'ENV' && /NODE_ENV=production/.test(i.args)));
    assert.ok(final.some((i) => i.op === 'EXPOSE' && i.args.split(/\s+/).includes('8080')));
    assert.ok(!ins.some((i) => i.op === 'MAINTAINER'));
  });

  it('.dockerignore keeps local state and secrets out of the build context', () => {
    const ignore = readFileSync(join(ROOT, '.dockerignore'), 'utf8').split('\n');
    for (const p of ['node_modules', 'dist', '.git', '.data']) assert.ok(ignore.includes(p), `${p} ignored`);
  });

  it('the parser handles continuations and comments', () => {
    const parsed = parseDockerfile('# c\nFROM a AS b\nRUN x \\\n  # inner\n  && y\nCMD ["z"]\n');
    assert.deepEqual(
      parsed.map((i) => [i.op, i.args]),
      [
        ['FROM', 'a AS b'],
        ['RUN', 'x && y'],
        ['CMD', '["z"]'],
      ],
    );
  });
});
