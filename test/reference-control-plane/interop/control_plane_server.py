"""A minimal ControlPlaneService in Python grpcio (grpc-core), to prove the daemon's agent speaks the
protocol to a non-Node peer. Prints the bound port, then serves until stdin closes. Each received
snapshot is written to OUT_DIR/<sync_id> and its SHA-256 checked against the end message."""
import hashlib
import os
import sys
import threading
from concurrent import futures

import grpc

sys.path.insert(0, sys.argv[1])
from baton_entra.v1 import control_plane_pb2 as pb  # noqa: E402
from baton_entra.v1 import control_plane_pb2_grpc as pb_grpc  # noqa: E402

OUT_DIR = sys.argv[2]


def authorised(context):
    md = dict(context.invocation_metadata())
    if not md.get("authorization", "").startswith("Bearer "):
        context.abort(grpc.StatusCode.UNAUTHENTICATED, "missing bearer token")


class Service(pb_grpc.ControlPlaneServiceServicer):
    def Hello(self, request, context):
        authorised(context)
        with open(os.path.join(OUT_DIR, "hello-" + request.host_id), "w") as f:
            f.write(request.version)
        return pb.HelloResponse()

    def GetTasks(self, request, context):
        authorised(context)
        resp = pb.GetTasksResponse()
        resp.next_poll.seconds = 1
        return resp

    def Heartbeat(self, request, context):
        authorised(context)
        return pb.HeartbeatResponse()

    def FinishTask(self, request, context):
        authorised(context)
        return pb.FinishTaskResponse()

    def GetUploadStatus(self, request, context):
        authorised(context)
        return pb.GetUploadStatusResponse(committed_offset=0, complete=False)

    def UploadSnapshot(self, request_iterator, context):
        authorised(context)
        meta = None
        digest = hashlib.sha256()
        size = 0
        chunks = []
        for msg in request_iterator:
            kind = msg.WhichOneof("msg")
            if kind == "metadata":
                meta = msg.metadata
            elif kind == "chunk":
                if msg.chunk.offset != size:
                    context.abort(grpc.StatusCode.INVALID_ARGUMENT, "bad offset")
                digest.update(msg.chunk.data)
                size += len(msg.chunk.data)
                chunks.append(msg.chunk.data)
            elif kind == "end":
                if digest.hexdigest() != msg.end.sha256 or msg.end.sha256 != meta.sha256 or size != meta.total_size:
                    context.abort(grpc.StatusCode.DATA_LOSS, "checksum mismatch")
                with open(os.path.join(OUT_DIR, meta.sync_id), "wb") as f:
                    f.write(b"".join(chunks))
                return pb.UploadSnapshotResponse(sync_id=meta.sync_id, bytes=size, sha256=digest.hexdigest())
        context.abort(grpc.StatusCode.ABORTED, "no end message")


def main():
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
    pb_grpc.add_ControlPlaneServiceServicer_to_server(Service(), server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    print(port, flush=True)
    sys.stdin.read()
    server.stop(0)


if __name__ == "__main__":
    main()
