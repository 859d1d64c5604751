import assert from 'node:assert/strict';
import { ScriptedServer } from '../support/scripted-graph.js';
import { ConnectProxy } from '../support/connect-proxy.js';
import { testClient } from './helpers.js';

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

  it('goes direct for hosts in NO_PROXY', async () => {
    const t = testClient(server, {}, { HTTPS_PROXY: proxy.url, NO_PROXY: '127.0.0.1' });
    server.expect({ method: 'GET', url: '/v1.0/users', body: { value: [] } });
    await t.client.get('/users');
    await t.client.close();
    assert.deepEqual(proxy.tunnels, []);
    server.assertDone();
  });
});
