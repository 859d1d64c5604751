import { makeGenericClientConstructor, type ChannelCredentials, type ClientOptions } from '@grpc/grpc-js';
import {
  ControlPlaneServiceService,
  UploadSnapshotRequest,
  type ControlPlaneServiceClient,
} from '../../gen/baton_entra/v1/control_plane.js';

/** Marks a request whose wire bytes were built in place (see `allocChunk`). */
const ENCODED = Symbol('encoded');

type PreEncoded = UploadSnapshotRequest & { [ENCODED]?: Buffer };

function varintSize(v: number): number {
  let n = 1;
  while (v >= 128) {
    v = Math.floor(v / 128);
    n++;
  }
  return n;
}

function writeVarint(buf: Buffer, at: number, v: number): number {
  while (v >= 128) {
    buf[at++] = (v % 128) | 0x80;
    v = Math.floor(v / 128);
  }
  buf[at++] = v;
  return at;
}

/**
 * Builds an `UploadSnapshotRequest{chunk: {offset, data}}` whose encoding is written once, with the
 * `data` bytes left for the caller to fill straight from the file (`data` is a view into the wire
 * buffer). The generated encoder would copy each 1 MiB chunk four times (growing writer, finish,
 * Buffer.from, framing); this keeps only grpc-js's framing copy. Byte-identical to the generated
 * encoder (tested).
 */
export function allocChunk(offset: number, length: number): { request: UploadSnapshotRequest; data: Buffer } {
  // Empty chunks are not allowed on the wire (and proto3 would omit an empty `data`).
  if (length < 1) throw new RangeError('a chunk holds at least one byte');
  // UploadChunk: [offset: tag 0x08 varint, omitted when 0] [data: tag 0x12 len bytes]
  const inner = (offset ? 1 + varintSize(offset) : 0) + 1 + varintSize(length) + length;
  const total = 1 + varintSize(inner) + inner; // UploadSnapshotRequest.chunk: tag 0x12
  const buf = Buffer.allocUnsafe(total);
  let at = 0;
  buf[at++] = 0x12;
  at = writeVarint(buf, at, inner);
  if (offset) {
    buf[at++] = 0x08;
    at = writeVarint(buf, at, offset);
  }
  buf[at++] = 0x12;
  at = writeVarint(buf, at, length);
  const data = buf.subarray(at);
  const request: PreEncoded = { chunk: { offset, data } };
  request[ENCODED] = buf;
  return { request, data };
}

function serialize(value: PreEncoded): Buffer {
  return value[ENCODED] ?? Buffer.from(UploadSnapshotRequest.encode(value).finish());
}

const FastService = {
  ...ControlPlaneServiceService,
  uploadSnapshot: { ...ControlPlaneServiceService.uploadSnapshot, requestSerialize: serialize },
} as const;

/** The generated client with the in-place chunk encoding on UploadSnapshot. */
export const FastControlPlaneClient = makeGenericClientConstructor(
  FastService,
  'baton_entra.v1.ControlPlaneService',
) as unknown as {
  new (
    address: string,
    credentials: ChannelCredentials,
    options?: Partial<ClientOptions>,
  ): ControlPlaneServiceClient;
};
