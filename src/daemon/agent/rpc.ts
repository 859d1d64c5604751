import {
  CallCredentials,
  credentials,
  Metadata,
  status,
  type ChannelCredentials,
  type ServiceError,
} from '@grpc/grpc-js';
import type { ControlPlaneServiceClient } from '../../gen/baton_entra/v1/control_plane.js';
import { FastControlPlaneClient } from './chunk-codec.js';
import type { TokenSource } from './credentials.js';

export interface ChannelTls {
  mode: 'tls' | 'insecure';
  caPem?: string;
  certPem?: string;
  keyPem?: string;
  serverName?: string;
}

/** Codes that no retry will fix: the agent stops and reports them. */
const PERMANENT = new Set<status>([
  status.UNAUTHENTICATED,
  status.PERMISSION_DENIED,
  status.INVALID_ARGUMENT,
  status.UNIMPLEMENTED,
  status.FAILED_PRECONDITION,
  status.NOT_FOUND,
]);

export function isPermanent(err: unknown): boolean {
  return isServiceError(err) && PERMANENT.has(err.code);
}

export function isServiceError(err: unknown): err is ServiceError {
  return err instanceof Error && typeof (err as Partial<ServiceError>).code === 'number';
}

export function describe(err: unknown): string {
  if (isServiceError(err)) return `${status[err.code] ?? err.code}: ${err.details || err.message}`;
  return err instanceof Error ? err.message : String(err);
}

/** Opens the channel. Keepalive stays at 5 minutes: grpc-go servers answer faster pings with GOAWAY. */
export function openClient(
  address: string,
  tls: ChannelTls,
  reconnectMaxMs: number,
): ControlPlaneServiceClient {
  let creds: ChannelCredentials;
  if (tls.mode === 'tls') {
    creds = credentials.createSsl(
      tls.caPem ? Buffer.from(tls.caPem) : null,
      tls.keyPem ? Buffer.from(tls.keyPem) : null,
      tls.certPem ? Buffer.from(tls.certPem) : null,
    );
  } else {
    creds = credentials.createInsecure();
  }
  return new FastControlPlaneClient(address, creds, {
    'grpc.keepalive_time_ms': 300_000,
    'grpc.keepalive_timeout_ms': 20_000,
    'grpc.keepalive_permit_without_calls': 0,
    'grpc.initial_reconnect_backoff_ms': Math.min(1_000, reconnectMaxMs),
    'grpc.max_reconnect_backoff_ms': reconnectMaxMs,
    'grpc.max_receive_message_length': 16 * 1024 * 1024,
    ...(tls.serverName
      ? { 'grpc.ssl_target_name_override': tls.serverName, 'grpc.default_authority': tls.serverName }
      : {}),
  });
}

/**
 * The bearer token as call credentials: grpc-js asks for them on every attempt of a call, so a call
 * it retries by itself (a stream refused before the server read it) goes out with a new token
 * rather than one the control plane may already have seen and would refuse as a replay.
 */
export function callCredentials(tokens: TokenSource): CallCredentials {
  return CallCredentials.createFromMetadataGenerator((_options, done) => {
    tokens.token().then(
      (token) => {
        const md = new Metadata();
        md.set('authorization', `Bearer ${token}`);
        done(null, md);
      },
      (err: Error) => done(err),
    );
  });
}

type UnaryMethod<Req, Res> = (
  req: Req,
  md: Metadata,
  opts: { deadline: Date; credentials: CallCredentials },
  cb: (err: ServiceError | null, res: Res) => void,
) => unknown;

/** Calls a unary method with auth and a deadline, as a promise. */
export async function unary<Req, Res>(
  client: ControlPlaneServiceClient,
  method: UnaryMethod<Req, Res>,
  req: Req,
  tokens: TokenSource,
  timeoutMs = 30_000,
): Promise<Res> {
  return new Promise<Res>((resolve, reject) => {
    method.call(
      client,
      req,
      new Metadata(),
      { deadline: new Date(Date.now() + timeoutMs), credentials: callCredentials(tokens) },
      (err, res) => (err ? reject(err) : resolve(res)),
    );
  });
}
