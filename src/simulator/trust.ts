import tls from 'node:tls';

/**
 * Makes this process trust the simulator's CA for every TLS client that uses Node's default CA
 * list: node:https, global fetch (undici), and so @azure/identity and the Graph SDK. Node 24's
 * `tls.setDefaultCACertificates`; child processes take `NODE_EXTRA_CA_CERTS=<caCertPath>` instead.
 */
export function trustSimulatorCa(caCertPem: string): void {
  const current = tls.getCACertificates('default');
  if (!current.includes(caCertPem)) tls.setDefaultCACertificates([...current, caCertPem]);
}
