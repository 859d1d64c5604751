import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  DockerfileParser,
  type Copy,
  type Instruction,
  type JSONInstruction,
  type PropertyInstruction,
} from 'dockerfile-ast';
import { validate, ValidationSeverity } from 'dockerfile-utils';

// No container engine or hadolint here: the Dockerfile is linted with dockerfile-utils (the
// Docker language server's validator) and its policy is checked on dockerfile-ast's parse.

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');
const TEXT = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');

/** Every optional check of the linter on, as an error. */
const STRICT = {
  deprecatedMaintainer: ValidationSeverity.ERROR,
  directiveCasing: ValidationSeverity.ERROR,
  emptyContinuationLine: ValidationSeverity.ERROR,
  instructionCasing: ValidationSeverity.ERROR,
  instructionCmdMultiple: ValidationSeverity.ERROR,
  instructionEntrypointMultiple: ValidationSeverity.ERROR,
  instructionHealthcheckMultiple: ValidationSeverity.ERROR,
  instructionJSONInSingleQuotes: ValidationSeverity.ERROR,
  instructionWorkdirRelative: ValidationSeverity.ERROR,
};

const lint = (text: string) =>
  validate(text, STRICT).map((d) => `line ${d.range.start.line + 1}: ${d.message}`);

describe('Dockerfile', () => {
  const df = DockerfileParser.parse(TEXT);
  const ins = df.getInstructions();
  const args = Object.fromEntries(
    df.getInitialARGs().map((a) => [a.getProperty()!.getName(), a.getProperty()!.getValue() ?? '']),
  );
  const expand = (s: string) => s.replace(/\$\{(\w+)\}/g, (_, n: string) => args[n] ?? `<unset ${n}>`);
  const froms = df.getFROMs();
  const final = ins.filter((i) => i.getRange().start.line > froms.at(-1)!.getRange().start.line);
  const build = ins.filter((i) => {
    const line = i.getRange().start.line;
    return line > froms[0]!.getRange().start.line && line < froms.at(-1)!.getRange().start.line;
  });
  const of = (list: Instruction[], kw: string) => list.filter((i) => i.getKeyword() === kw);
  const json = (i: Instruction) => (i as JSONInstruction).getJSONStrings().map((s) => s.getJSONValue());
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
    bin: Record<string, string>;
    scripts: Record<string, string>;
    license: string;
  };

  it('passes the dockerfile-utils linter with every check on', () => {
    assert.deepEqual(lint(TEXT), []);
  });

  it('the linter is live: it flags MAINTAINER, a second CMD and a relative WORKDIR', () => {
    const problems = lint('FROM a\nMAINTAINER me\nWORKDIR app\nCMD ["x"]\nCMD ["y"]\n');
    assert.equal(problems.length, 3, problems.join('\n'));
  });

  it('builds on an exact Node 24 release and runs on distroless Node 24 pinned by digest', () => {
    assert.equal(froms.length, 2, 'a build stage and a runtime stage');
    assert.match(args.NODE_VERSION ?? '', /^24\.\d+\.\d+$/, 'NODE_VERSION pins an exact Node 24 release');
    assert.match(expand(froms[0]!.getArgumentsContent()!), /^node:24\.\d+\.\d+-bookworm-slim AS build$/);
    const runtime = expand(froms[1]!.getArgumentsContent()!);
    assert.match(
      runtime,
      /^gcr\.io\/distroless\/nodejs24-debian12:nonroot@sha256:[0-9a-f]{64} AS runtime$/,
      'no shell, no npm or corepack; a digest, not a moving tag',
    );
    assert.ok(
      // getFromFlag() answers only when --from is the sole flag, so the flags are read directly.
      of(final, 'COPY').some((i) =>
        (i as Copy).getFlags().some((f) => f.getName() === 'from' && f.getValue() === 'build'),
      ),
      'runtime copies from the build stage',
    );
    assert.ok(!of(final, 'RUN').length, 'nothing runs in the runtime stage (it has no shell)');
  });

  it('builds with npm ci from the lockfile and prunes dev dependencies', () => {
    const run = of(build, 'RUN')
      .map((i) => i.getArgumentsContent())
      .join('\n');
    assert.match(run, /npm ci\b/);
    const tsc = pkg.scripts.build!;
    assert.ok(
      run.includes('npm run build') || run.includes(tsc),
      `the build stage runs "${tsc}" like npm run build`,
    );
    assert.match(run, /npm prune --omit=dev/);
    assert.ok(of(build, 'COPY').some((i) => i.getArgumentsContent()!.includes('package-lock.json')));
    assert.ok(!of(ins, 'ADD').some((i) => /https?:\/\//.test(i.getArgumentsContent()!)), 'no remote ADD');
  });

  it('carries the OCI image labels', () => {
    const labels = Object.fromEntries(
      of(final, 'LABEL').flatMap((l) =>
        (l as PropertyInstruction).getProperties().map((p) => [p.getName(), p.getValue() ?? '']),
      ),
    );
    for (const k of [
      'title',
      'description',
      'licenses',
      'source',
      'version',
      'revision',
      'created',
      'base.name',
      'base.digest',
    ])
      assert.ok(labels[`org.opencontainers.image.${k}`], `org.opencontainers.image.${k}`);
    assert.equal(labels['org.opencontainers.image.licenses'], pkg.license);
  });

  it('runs as a numeric non-root user with exec-form entrypoint and serve as default command', () => {
    const user = of(final, 'USER').at(-1);
    assert.ok(user, 'the runtime stage sets USER');
    const uid = user.getArgumentsContent()!.split(':')[0]!;
    assert.match(uid, /^\d+$/, 'numeric, so runAsNonRoot can be verified');
    assert.notEqual(Number(uid), 0);
    const entry = json(of(final, 'ENTRYPOINT')[0]!);
    assert.equal(entry[0], '/nodejs/bin/node', "distroless's node, no shell in between");
    assert.equal(entry[1], pkg.bin['baton-entra']);
    assert.deepEqual(json(of(final, 'CMD')[0]!), ['serve']);
  });

  it('sets NODE_ENV=production and exposes 8080', () => {
    const env = of(final, 'ENV').flatMap((e) =>
      (e as PropertyInstruction).getProperties().map((p) => `${p.getName()}=${p.getValue()}`),
    );
    assert.ok(env.includes('NODE_ENV=production'));
    assert.ok(of(final, 'EXPOSE').some((i) => i.getArgumentsContent()!.split(/\s+/).includes('8080')));
  });

  it('.dockerignore keeps local state and secrets out of the build context', () => {
    const ignore = readFileSync(join(ROOT, '.dockerignore'), 'utf8').split('\n');
    for (const p of ['node_modules', 'dist', '.git', '.data']) assert.ok(ignore.includes(p), `${p} ignored`);
  });
});
