import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { ClientSecretCredential } from '@azure/identity';
import { CLI, ROOT, cleanEnv, runCli } from '../support/cli.js';
import { trustCa } from './support/sim.js';

describe('baton-entra simulate', () => {
  it('prints exactly one JSON line when ready, serves tokens, and exits 0 on SIGTERM', async () => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', CLI, 'simulate', '--preset', 'demo', '--seed', '7', '--json'],
      { cwd: ROOT, env: cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    const line = await new Promise<string>((resolve, reject) => {
      child.stdout.setEncoding('utf8').on('data', (d: string) => {
        stdout += d;
        if (stdout.includes('\n')) resolve(stdout.slice(0, stdout.indexOf('\n')));
      });
      child.on('close', () => reject(new Error(`simulate exited early: ${stderr}`)));
    });
    const info = JSON.parse(line) as Record<string, string>;
    assert.deepEqual(Object.keys(info).slice(0, 6), [
      'tenantId',
      'clientId',
      'clientSecret',
      'authorityHost',
      'graphDomain',
      'caCertPath',
    ]);
    trustCa(readFileSync(info.caCertPath as string, 'utf8'));
    const cred = new ClientSecretCredential(
      info.tenantId as string,
      info.clientId as string,
      info.clientSecret as string,
      { authorityHost: info.authorityHost, disableInstanceDiscovery: true },
    );
    const tok = await cred.getToken(`https://${info.graphDomain}/.default`);
    const res = await fetch(`https://${info.graphDomain}/v1.0/organization`, {
      headers: { authorization: `Bearer ${tok.token}` },
    });
    assert.equal(res.status, 200);
    child.kill('SIGTERM');
    assert.equal(await exited, 0);
    assert.equal(stdout.trim().split('\n').length, 1, 'stdout carries only the JSON line');
    assert.ok(!stderr.includes(info.clientSecret as string), 'the secret is not logged');
  });

  it('rejects a bad preset with exit 2, naming the flag', async () => {
    const r = await runCli(['simulate', '--preset', 'huge']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--preset: expected one of demo, small, large, apps, got 'huge'/);
  });

  it('rejects a non-loopback host and a bad port', async () => {
    const h = await runCli(['simulate', '--host', '0.0.0.0']);
    assert.equal(h.code, 2);
    assert.match(h.stderr, /--host: the simulator listens on loopback only/);
    const p = await runCli(['simulate', '--port', '70000']);
    assert.equal(p.code, 2);
    assert.match(p.stderr, /--port: expected an integer from 0 to 65535/);
    const l = await runCli(['simulate', '--log-level', 'loud']);
    assert.equal(l.code, 2);
    assert.match(
      l.stderr,
      /--log-level: expected one of fatal, error, warn, info, debug, trace, silent, got 'loud'/,
    );
  });
});
