/**
 * The tenant's append-only change log. Delta queries encode the sequence number they have seen in
 * their token and replay the entries after it. Sequence numbers start at 1 and never repeat, so
 * a token from before a change always sees it.
 */
import type { ChangeRecord } from './model.js';

export type ChangeInput = Omit<ChangeRecord, 'seq' | 'at'>;

export class ChangeLog {
  private readonly entries: ChangeRecord[] = [];
  private seq = 0;
  /** While > 0, mutations are part of the initial load and are not logged (see Tenant.load). */
  suspended = 0;

  constructor(private readonly clock: () => number) {}

  get currentSeq(): number {
    return this.seq;
  }

  append(change: ChangeInput): void {
    if (this.suspended > 0) return;
    this.seq++;
    this.entries.push({ seq: this.seq, at: this.clock(), ...change });
  }

  /** Entries with seq > afterSeq, oldest first. */
  since(afterSeq: number): readonly ChangeRecord[] {
    if (!Number.isInteger(afterSeq) || afterSeq < 0) {
      throw new Error(`changesSince: afterSeq must be a non-negative integer, got ${afterSeq}`);
    }
    // Entries are dense from seq 1, so the index of seq n is n - 1.
    return this.entries.slice(Math.min(afterSeq, this.entries.length));
  }
}
