/**
 * The reference control plane's own service and store behind a gRPC server this process can take
 * down and bring back on the same port, with a hook on every stored upload: its acknowledgement
 * can be lost (the snapshot is stored, the daemon hears UNAVAILABLE) or held while the daemon is
 * killed. Everything the daemon talks to is the shipped control plane; only the answer is faulted.
 */
import {
  Server,
  ServerCredentials,
  status,
  type sendUnaryData,
  type ServerReadableStream,
} from '@grpc/grpc-js';
import {
  ControlPlaneServiceService,
  type UploadSnapshotRequest,
  type UploadSnapshotResponse,
} from '../../src/gen/baton_entra/v1/control_plane.js';
import { silentLogger } from '../../src/observability/logger.js';
import { createService } from '../../src/reference-control-plane/service.js';
import { ControlPlaneStore } from '../../src/reference-control-plane/store.js';
import { UploadReceiver } from '../../src/reference-control-plane/uploads.js';

/** What happens to the answer of an upload the control plane has just stored. */
export type AckFate = 'deliver' | 'lose' | 'hold';

export class ChaosControlPlane {
  readonly store: ControlPlaneStore;
  private server?: Server;
  port = 0;
  /** Answers of stored uploads kept back ('hold'), released by `releaseHeld`. */
  private held: (() => void)[] = [];

  constructor(
    dataDir: string,
    /** Called once per newly stored snapshot (not for a repeat of a stored one). */
    private readonly fate: (syncId: string) => AckFate,
  ) {
    this.store = new ControlPlaneStore(dataDir);
  }

  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    const inner = createService({
      store: this.store,
      uploads: new UploadReceiver(this.store, () => new Date()),
      logger: silentLogger,
      now: () => new Date(),
      pollIntervalMs: 200,
      heartbeatIntervalMs: 1_000,
      taskLeaseMs: 60_000,
    });
    const server = new Server();
    server.addService(ControlPlaneServiceService, {
      ...inner,
      uploadSnapshot: (
        call: ServerReadableStream<UploadSnapshotRequest, UploadSnapshotResponse>,
        callback: sendUnaryData<UploadSnapshotResponse>,
      ) =>
        inner.uploadSnapshot(call, (err, res) => {
          if (err || !res || res.duplicate) return callback(err, res);
          const fate = this.fate(res.syncId);
          const lost = () => callback({ code: status.UNAVAILABLE, details: 'the acknowledgement was lost' });
          if (fate === 'lose') lost();
          else if (fate === 'hold') this.held.push(lost);
          else callback(null, res);
        }),
    });
    this.port = await new Promise<number>((resolve, reject) =>
      server.bindAsync(`127.0.0.1:${this.port}`, ServerCredentials.createInsecure(), (e, p) =>
        e ? reject(e) : resolve(p),
      ),
    );
    this.server = server;
  }

  /** Down: every connection dropped, the port closed, until `start()` binds it again. */
  stop(): void {
    this.releaseHeld();
    this.server?.forceShutdown();
    this.server = undefined;
  }

  releaseHeld(): void {
    for (const answer of this.held.splice(0)) answer();
  }

  close(): void {
    this.stop();
    this.store.close();
  }
}
