import assert from 'node:assert/strict';
import { ScriptedServer } from '../support/scripted-graph.js';
import { ConnectProxy } from '../support/connect-proxy.js';
import { createGraphClient } from '../../src/graph/client.js';
import { authorityExpectations, configFor, testClient, TENANT } from './helpers.js';

describe('graph client proxy', () => {
  let server: ScriptedServer;
  let proxy: ConnectProxy;

  beforeEach(async () => {
    server = await ScriptedServer.start();
    proxy = await ConnectProxy.start();
  });
  afterEach(async () => {
    await proxy.close();
    await server.close();
  });

  it('tunnels Graph calls through BATON_HTTPS_PROXY', async () => {
    const t = testClient(server, {}, { BATON_HTTPS_PROXY: proxy.url });
    server.expect({ method: 'GET', url: '/v1.0/users', body: { value: [] } });
    await t.client.get('/users');
    await t.client.close();
    assert.deepEqual(proxy.tunnels, [server.host]);
    server.assertDone();
  });

  it('sends token requests through the proxy too', async () => {
    const config = configFor(server, { BATON_HTTPS_PROXY: proxy.url });
    server.expect(...authorityExpectations(TENANT, undefined, 'tok'), {
      method: 'GET',
      url: '/v1.0/users',
      body: { value: [] },
    });
    const client = createGraphClient(config);
    await client.get('/users');
    await client.close();
    // One tunnel for the Graph call, at least one for the identity platform.
    assert.ok(proxy.tunnels.length >= 2, JSON.stringify(proxy.tunnels));
    assert.ok(proxy.tunnels.every((t) => t === server.host));
    server.assertDone();
  });

  it('goes direct for hosts in NO_PROXY', async () => {
    const t = testClient(server, {}, { HTTPS_PROXY: proxy.url, NO_PROXY: '127.0.0.1' });
    server.expect({ method: 'GET', url: '/v1.0/users', body: { value: [] } });
    await t.client.get('/users');
    await t.client.close();
    assert.deepEqual(proxy.tunnels, []);
    server.assertDone();
  });
});
