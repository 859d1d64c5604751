import type { DestinationStream } from 'pino';
import { formatSeconds, type PhaseStatus } from '../framework/progress.js';

/** Back to the start of the line and erase it. */
const ERASE = '\r\x1b[2K';

/** `users 40000/100000 40% 4000/s ~15 s · groups 5000 2000/s`, cut to `columns`. */
export function renderProgressLine(running: readonly PhaseStatus[], columns: number): string {
  const text = running
    .map((s) => {
      let part = `${s.phase} ${s.items}`;
      if (s.total !== undefined) {
        const pct = s.total > 0 ? Math.min(100, Math.floor((s.items * 100) / s.total)) : 100;
        part += `/${s.total} ${pct}%`;
      }
      part += ` ${s.perSecond}/s`;
      if (s.etaSeconds !== undefined) part += ` ~${formatSeconds(s.etaSeconds)}`;
      return part;
    })
    .join(' · ');
  const line = text === '' ? '' : `syncing: ${text}`;
  // Writing the last column makes some terminals wrap, and a wrapped line cannot be erased.
  const room = Math.max(1, columns - 1);
  return line.length > room ? `${line.slice(0, room - 1)}…` : line;
}

/** What the live line writes to: a terminal (its width in `columns`). */
export interface Terminal {
  write(text: string): unknown;
  columns?: number;
}

/**
 * A line at the bottom of a terminal that rewrites itself with the sync's progress. Log lines
 * written through `around` clear it first and draw it again after, so the two never mix.
 */
export class LiveLine {
  private shown = '';
  private lastDraw = -Infinity;

  constructor(
    private readonly term: Terminal,
    private readonly now: () => number = Date.now,
    /** A terminal redrawn on every page would flicker; a few times a second is live enough. */
    private readonly minIntervalMs = 200,
  ) {}

  /** Shows the running phases (at most every `minIntervalMs`; at once when none is left). */
  update(running: readonly PhaseStatus[]): void {
    const now = this.now();
    if (running.length > 0 && now - this.lastDraw < this.minIntervalMs) return;
    this.lastDraw = now;
    this.draw(renderProgressLine(running, this.term.columns ?? 80));
  }

  /** Erases the line (the sync ended). */
  clear(): void {
    this.draw('');
  }

  /** A log destination whose lines go above the live line. */
  around(inner: DestinationStream): DestinationStream {
    return {
      write: (line: string) => {
        const shown = this.shown;
        if (shown) this.term.write(ERASE);
        inner.write(line);
        if (shown) this.term.write(shown);
      },
    };
  }

  private draw(text: string): void {
    if (text === this.shown) return;
    this.term.write(text ? `${ERASE}${text}` : ERASE);
    this.shown = text;
  }
}
