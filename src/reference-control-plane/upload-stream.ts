import type { ServerReadableStream } from '@grpc/grpc-js';

/**
 * The messages of a client stream, as an async iterable that survives a broken connection: grpc-js
 * destroys the stream right after emitting 'cancelled', discarding messages it had already received
 * and buffered (up to 16 chunks). Those are taken out first and still delivered, then the iteration
 * ends without error — the receiver sees a stream that stopped early and keeps what arrived.
 */
export async function* salvagingMessages<T>(call: ServerReadableStream<T, unknown>): AsyncGenerator<T> {
  const salvaged: T[] = [];
  let cancelled = false;
  call.once('cancelled', () => {
    cancelled = true;
    for (let m = call.read() as T | null; m !== null; m = call.read() as T | null) salvaged.push(m);
  });
  try {
    for await (const m of call as AsyncIterable<T>) {
      yield m;
      if (cancelled) break;
    }
  } catch (err) {
    if (!cancelled) throw err;
  }
  yield* salvaged;
}
