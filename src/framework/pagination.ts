import { ConnectorBugError } from './errors.js';

/**
 * A stack of page states, serialised as one opaque JSON token — for a listing that walks several
 * collections in turn (Baton's `pagination.Bag`).
 */
export interface PageState {
  /** Which collection this state walks. */
  type: string;
  /** The collection's own cursor (a Graph nextLink, a last-seen key); absent = from the start. */
  token?: string;
  /** The object the collection belongs to, if any. */
  id?: string;
}

export class PageBag {
  private constructor(private readonly states: PageState[]) {}

  static from(token: string | undefined, initial: PageState[]): PageBag {
    if (token === undefined || token === '') return new PageBag([...initial]);
    let parsed: unknown;
    try {
      parsed = JSON.parse(token);
    } catch {
      throw new ConnectorBugError(`page token is not a JSON page bag: ${token.slice(0, 80)}`);
    }
    if (!Array.isArray(parsed) || !parsed.every(isPageState)) {
      throw new ConnectorBugError('page token is not a list of {type, token?, id?} states');
    }
    return new PageBag(parsed);
  }

  get current(): PageState | undefined {
    return this.states.at(-1);
  }

  push(state: PageState): void {
    this.states.push(state);
  }

  pop(): PageState | undefined {
    return this.states.pop();
  }

  /** Moves the current state to `token`, or pops it when the collection is exhausted. */
  advance(token: string | undefined): void {
    const top = this.states.pop();
    if (top && token !== undefined) this.states.push({ ...top, token });
  }

  /** The token for the next call, or undefined when every collection is done. */
  marshal(): string | undefined {
    return this.states.length === 0 ? undefined : JSON.stringify(this.states);
  }
}

function isPageState(v: unknown): v is PageState {
  if (typeof v !== 'object' || v === null) return false;
  const s = v as Record<string, unknown>;
  return (
    typeof s.type === 'string' &&
    (s.token === undefined || typeof s.token === 'string') &&
    (s.id === undefined || typeof s.id === 'string')
  );
}
