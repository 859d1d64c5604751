import type { SyncKind } from '../framework/engine/api.js';

/** Entra's answer to the last probe, in the words of the Hello's ConnectionStatus. */
export type ConnectionLabel = 'Connected' | 'Unconnected' | 'Expired';

export function connectionLabel(s: 'connected' | 'unconnected' | 'expired'): ConnectionLabel {
  return s === 'connected' ? 'Connected' : s === 'expired' ? 'Expired' : 'Unconnected';
}

/** One sync run as `/status` shows it. */
export interface SyncRecord {
  startedAt: string;
  endedAt: string;
  outcome: 'success' | 'failure' | 'aborted';
  syncId?: string;
  counts?: { resources: number; entitlements: number; grants: number };
  graphRequests?: number;
  error?: string;
}

/** What `GET /status` answers (and `baton-entra status` prints). */
export interface DaemonStatus {
  version: string;
  hostId: string;
  startedAt: string;
  ready: boolean;
  /** `leader`, `standby`, or `single` (no leader election: this replica is the active one). */
  role: 'leader' | 'standby' | 'single';
  entra: {
    connectionStatus?: ConnectionLabel;
    checkedAt?: string;
    credentialExpiresAt?: string;
    refused?: string;
  };
  controlPlane: {
    address?: string;
    connected: boolean;
    lastUploadAt?: string;
    lastError?: string;
    refused?: string;
  };
  spool: { depth: number; bytes: number };
  sync: {
    inProgress: boolean;
    nextRunAt?: string;
    /** The last run of each kind, and when that kind last succeeded. */
    last: Partial<Record<SyncKind, SyncRecord & { lastSuccessAt?: string }>>;
  };
}

/** The last run of each sync kind, kept for `/status`. */
export class SyncHistory {
  private readonly last = new Map<SyncKind, SyncRecord>();
  private readonly lastSuccess = new Map<SyncKind, string>();

  record(kind: SyncKind, run: SyncRecord): void {
    this.last.set(kind, run);
    if (run.outcome === 'success') this.lastSuccess.set(kind, run.endedAt);
  }

  view(): DaemonStatus['sync']['last'] {
    const out: DaemonStatus['sync']['last'] = {};
    for (const [kind, run] of this.last) {
      const at = this.lastSuccess.get(kind);
      out[kind] = { ...run, ...(at ? { lastSuccessAt: at } : {}) };
    }
    return out;
  }
}
