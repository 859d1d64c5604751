import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface Issued {
  certPem: string;
  keyPem: string;
}

/** A throwaway CA (openssl) with a server certificate for 127.0.0.1/localhost and a client certificate. */
export async function makePki(): Promise<{ ca: Issued; server: Issued; client: Issued }> {
  const dir = await mkdtemp(join(tmpdir(), 'pki-'));
  const p = (f: string) => join(dir, f);
  const ossl = (...args: string[]) => run('openssl', args, { cwd: dir });
  try {
    await ossl(
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-keyout',
      'ca.key',
      '-out',
      'ca.crt',
      '-days',
      '1',
      '-subj',
      '/CN=baton-entra test CA',
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
    );
    async function issue(name: string, cn: string, ext: string): Promise<Issued> {
      await ossl(
        'req',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:P-256',
        '-nodes',
        '-keyout',
        `${name}.key`,
        '-out',
        `${name}.csr`,
        '-subj',
        `/CN=${cn}`,
      );
      await writeFile(p(`${name}.ext`), ext);
      await ossl(
        'x509',
        '-req',
        '-in',
        `${name}.csr`,
        '-CA',
        'ca.crt',
        '-CAkey',
        'ca.key',
        '-CAcreateserial',
        '-out',
        `${name}.crt`,
        '-days',
        '1',
        '-extfile',
        `${name}.ext`,
      );
      return {
        certPem: await readFile(p(`${name}.crt`), 'utf8'),
        keyPem: await readFile(p(`${name}.key`), 'utf8'),
      };
    }
    const server = await issue(
      'server',
      'control-plane',
      'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n',
    );
    const client = await issue('client', 'daemon', 'extendedKeyUsage=clientAuth\n');
    return {
      ca: { certPem: await readFile(p('ca.crt'), 'utf8'), keyPem: await readFile(p('ca.key'), 'utf8') },
      server,
      client,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
