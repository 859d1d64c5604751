import { GraphHttpError } from '../http/message.js';

/**
 * State carried by delta `$skiptoken`s (inside a round) and `$deltatoken`s (between rounds). The
 * query options are encoded in it, as Graph encodes them: links carry only the token.
 */
export interface DeltaState {
  /** Entity set: users | groups | servicePrincipals | devices | applications. */
  set: string;
  select?: string[];
  ids?: string[];
  /** `i` = initial round (paging the current state), `c` = changes since `from`. */
  phase: 'i' | 'c';
  /** Initial: the change-log position when the round began. Changes: the position replayed from. */
  from: number;
  /** Changes: the position the round replays up to (fixed at its first page). */
  to: number;
  /** Unit offset within the round. */
  offset: number;
  /** When the round's deltaLink (or, for the initial round, its first page) was issued, ms. */
  issuedAt: number;
}

const PREFIX = 'SIMDELTA1.';

export function encodeDelta(s: DeltaState): string {
  return PREFIX + Buffer.from(JSON.stringify(s)).toString('base64url');
}

export function decodeDelta(token: string, set: string): DeltaState {
  try {
    if (!token.startsWith(PREFIX)) throw new Error('prefix');
    const s = JSON.parse(Buffer.from(token.slice(PREFIX.length), 'base64url').toString('utf8')) as DeltaState;
    if (s.set !== set || (s.phase !== 'i' && s.phase !== 'c')) throw new Error('shape');
    return s;
  } catch {
    throw new GraphHttpError(400, 'BadRequest', 'Invalid delta token or skip token.');
  }
}
