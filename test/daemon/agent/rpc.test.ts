import assert from 'node:assert/strict';
import { credentials, Server, ServerCredentials, status, type ServerUnaryCall } from '@grpc/grpc-js';
import { join } from 'node:path';
import {
  ControlPlaneServiceClient,
  ControlPlaneServiceService,
  type HelloRequest,
  type HelloResponse,
} from '../../../src/gen/baton_entra/v1/control_plane.js';
import { parseClientSecret, TokenSource } from '../../../src/daemon/agent/credentials.js';
import { unary } from '../../../src/daemon/agent/rpc.js';
import { verifyBearer } from '../../../src/reference-control-plane/auth.js';
import { addClient } from '../../../src/reference-control-plane/clients.js';
import { ControlPlaneStore } from '../../../src/reference-control-plane/store.js';
import { tempDir } from '../../reference-control-plane/helpers.js';

describe('daemon calls to the control plane', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let store: ControlPlaneStore;
  let server: Server;
  let client: ControlPlaneServiceClient;

  beforeEach(async () => {
    dir = await tempDir('agent-rpc');
    store = new ControlPlaneStore(join(dir.path, 'cp'));
  });
  afterEach(async () => {
    client?.close();
    server?.forceShutdown();
    store.close();
    await dir.cleanup();
  });

  it('a call grpc-js retries carries a new token, which the control plane accepts', async () => {
    const seen: string[] = [];
    const outcomes: string[] = [];
    server = new Server();
    // The first attempt is checked (so its token is spent) and then fails as a dropped backend
    // would; grpc-js retries it under the channel's retry policy.
    server.addService(ControlPlaneServiceService, {
      hello: (
        call: ServerUnaryCall<HelloRequest, HelloResponse>,
        cb: (e: unknown, r?: HelloResponse) => void,
      ) => {
        const header = String(call.metadata.get('authorization')[0]);
        seen.push(header);
        verifyBearer(store, header, new Date()).then(
          () => {
            outcomes.push('accepted');
            if (seen.length === 1) cb({ code: status.UNAVAILABLE, details: 'try again' });
            else cb(null, { serverTime: new Date(), passwordRecipient: '', acceptsDiffSnapshots: false });
          },
          (err: Error) => {
            outcomes.push(err.message);
            cb({ code: status.UNAUTHENTICATED, details: err.message });
          },
        );
      },
    } as never);
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (e, p) =>
        e ? reject(e) : resolve(p),
      ),
    );
    client = new ControlPlaneServiceClient(`127.0.0.1:${port}`, credentials.createInsecure(), {
      'grpc.service_config': JSON.stringify({
        methodConfig: [
          {
            name: [{ service: 'baton_entra.v1.ControlPlaneService' }],
            retryPolicy: {
              maxAttempts: 2,
              initialBackoff: '0.01s',
              maxBackoff: '0.01s',
              backoffMultiplier: 1,
              retryableStatusCodes: ['UNAVAILABLE'],
            },
          },
        ],
      }),
    });
    const creds = await addClient(store, 'rpc', new Date());
    const tokens = new TokenSource(creds.clientId, await parseClientSecret(creds.clientSecret));
    await unary(
      client,
      client.hello,
      { hostId: 'h', version: 't', connectionStatus: 1, capabilities: [] } as never,
      tokens,
    );
    assert.equal(seen.length, 2, 'the call was retried');
    assert.notEqual(seen[0], seen[1], 'each attempt signed its own token');
    assert.deepEqual(outcomes, ['accepted', 'accepted']);
  });
});
