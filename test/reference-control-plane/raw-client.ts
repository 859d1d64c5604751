import { credentials, Metadata, type ServiceError } from '@grpc/grpc-js';
import {
  ControlPlaneServiceClient,
  SnapshotKind,
  type UploadMetadata,
  type UploadSnapshotResponse,
} from '../../src/gen/baton_entra/v1/control_plane.js';
import { parseClientSecret, TokenSource } from '../../src/daemon/agent/credentials.js';

type Creds = { clientId: string; clientSecret: string };

/**
 * A bare gRPC client of the control plane acting as one client: each call signs its own token
 * unless one is given (to replay it). For tests of what the server accepts from whom.
 */
export async function rawClient(address: string, creds: Creds) {
  const tokens = new TokenSource(creds.clientId, await parseClientSecret(creds.clientSecret));
  const client = new ControlPlaneServiceClient(address, credentials.createInsecure());
  async function md(token?: string): Promise<Metadata> {
    const m = new Metadata();
    m.set('authorization', `Bearer ${token ?? (await tokens.token())}`);
    return m;
  }
  function call<Req, Res>(
    method: (req: Req, md: Metadata, cb: (err: ServiceError | null, res: Res) => void) => unknown,
  ) {
    return async (req: Req, token?: string): Promise<Res> => {
      const m = await md(token);
      return new Promise<Res>((resolve, reject) =>
        method.call(client, req, m, (err, res) => (err ? reject(err) : resolve(res))),
      );
    };
  }
  return {
    token: () => tokens.token(),
    hello: (hostId: string, token?: string) =>
      call(client.hello)(
        { hostId, version: 't', connectionStatus: 1, capabilities: [], tenantId: '' } as never,
        token,
      ) as Promise<{ acceptsDiffSnapshots: boolean }>,
    getTasks: (hostId: string) =>
      call(client.getTasks)({ hostId, pageSize: 10, knownTaskIds: [] } as never) as Promise<{
        tasks: { id: string }[];
      }>,
    heartbeat: (hostId: string, taskIds: string[]) =>
      call(client.heartbeat)({ hostId, taskIds } as never) as Promise<{ cancelledTaskIds: string[] }>,
    finish: (hostId: string, taskId: string, response: Record<string, unknown> = {}) =>
      call(client.finishTask)({ hostId, taskId, success: { response } } as never),
    uploadStatus: (
      hostId: string,
      syncId: string,
      sha256: string,
      base?: { syncId: string; sha256: string },
    ) =>
      call(client.getUploadStatus)({
        hostId,
        syncId,
        sha256,
        baseSyncId: base?.syncId ?? '',
        baseSha256: base?.sha256 ?? '',
      } as never) as Promise<{
        committedOffset: number;
        complete: boolean;
        baseMissing: boolean;
      }>,
    /** One UploadSnapshot stream: metadata (over the defaults), `data` in 1 MiB chunks, end. */
    async upload(meta: Partial<UploadMetadata>, data: Buffer): Promise<UploadSnapshotResponse> {
      const m = await md();
      return new Promise<UploadSnapshotResponse>((resolve, reject) => {
        const stream = client.uploadSnapshot(m, (err, res) => (err ? reject(err) : resolve(res)));
        const full: UploadMetadata = {
          hostId: 'host-a',
          taskId: '',
          syncId: 'sync-1',
          kind: SnapshotKind.SNAPSHOT_KIND_FULL,
          totalSize: data.length,
          sha256: '',
          headerJson: '',
          resumeOffset: 0,
          ...meta,
        };
        stream.write({ metadata: full });
        for (let at = 0; at < data.length; at += 1024 * 1024)
          stream.write({ chunk: { offset: at, data: data.subarray(at, at + 1024 * 1024) } });
        stream.write({ end: { sha256: full.sha256 } });
        stream.end();
      });
    },
    close: () => client.close(),
  };
}
