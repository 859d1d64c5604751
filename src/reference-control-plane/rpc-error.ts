import { status, type ServiceError, Metadata } from '@grpc/grpc-js';

/** An error that reaches the daemon as a gRPC status with this code and message. */
export class RpcError extends Error {
  constructor(
    readonly code: status,
    message: string,
  ) {
    super(message);
    this.name = 'RpcError';
  }
}

/** Turns anything thrown by a handler into a ServiceError; internal details stay in the server log. */
export function toServiceError(err: unknown): Partial<ServiceError> {
  if (err instanceof RpcError) return { code: err.code, details: err.message, metadata: new Metadata() };
  return { code: status.INTERNAL, details: 'internal error', metadata: new Metadata() };
}
