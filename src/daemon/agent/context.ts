import type { ControlPlaneServiceClient } from '../../gen/baton_entra/v1/control_plane.js';
import type { Logger } from '../../observability/logger.js';
import type { BackoffPolicy } from '../../retry/backoff.js';
import type { TokenSource } from './credentials.js';

/** What the agent's loops share: the channel, the identity, pacing, and health bookkeeping. */
export interface AgentContext {
  client: ControlPlaneServiceClient;
  tokens: TokenSource;
  hostId: string;
  log: Logger;
  /** Aborts on stop(). */
  signal: AbortSignal;
  retry: BackoffPolicy;
  minIntervalMs: number;
  now: () => number;
  markOk(): void;
  markError(err: unknown): void;
  /** Says Hello again (the control plane forgot this host), retrying until it works or stop. */
  rehello(): Promise<void>;
  /** A credential or request the control plane will never accept: stop the agent. */
  fatal(err: unknown): void;
}

/** Clamps a server-given protobuf Duration to [min, 5 min]; `fallbackMs` when absent. */
export function clampDuration(
  d: { seconds: number; nanos: number } | undefined,
  fallbackMs: number,
  minMs: number,
): number {
  const ms = d ? d.seconds * 1000 + Math.floor(d.nanos / 1e6) : fallbackMs;
  return Math.min(Math.max(ms, minMs), 5 * 60_000);
}
