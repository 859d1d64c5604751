import { setTimeout as delay } from 'node:timers/promises';
import { parseDurationMs } from '../config/parse.js';
import type { ResourceTypeId } from '../config/types.js';
import type { GraphClient } from '../graph/types.js';

/** A change to directory objects we sync, from the Entra audit log. */
export interface ResourceChangeEvent {
  /** The directoryAudit id. */
  id: string;
  /** ISO time of the activity. */
  time: string;
  activity: string;
  category: string;
  result?: string;
  resources: { type: ResourceTypeId; id: string; displayName?: string }[];
  initiatedBy: { type: 'user' | 'app'; id: string; displayName?: string } | null;
}

interface DirectoryAudit {
  id?: string;
  activityDateTime?: string;
  activityDisplayName?: string;
  category?: string;
  result?: string;
  initiatedBy?: {
    user?: { id?: string | null; displayName?: string | null; userPrincipalName?: string | null } | null;
    app?: { appId?: string | null; displayName?: string | null; servicePrincipalId?: string | null } | null;
  };
  targetResources?: { id?: string | null; type?: string | null; displayName?: string | null }[];
}

/** directoryAudit targetResource types → our resource types. */
const TYPE_MAP: Record<string, ResourceTypeId> = {
  user: 'user',
  group: 'group',
  serviceprincipal: 'enterprise_application',
  role: 'role',
  device: 'device',
};

/**
 * The reporting APIs allow 5 requests per 10 s per app and tenant; pages are spaced 2 s apart.
 * https://learn.microsoft.com/en-us/graph/throttling-limits#identity-and-access-reports-service-limits
 */
export const AUDIT_PAGE_INTERVAL_MS = 2_000;

export interface ListEventsOptions {
  since: Date;
  until?: Date;
  /** Also yield events that touch none of our resource types (their `resources` is empty). */
  includeUnmapped?: boolean;
  pageSize?: number;
  signal?: AbortSignal;
  now?: () => number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

/** Maps one directoryAudit record; undefined when it has no id or time. */
export function toEvent(a: DirectoryAudit): ResourceChangeEvent | undefined {
  if (!a.id || !a.activityDateTime) return undefined;
  const seen = new Set<string>();
  const resources: ResourceChangeEvent['resources'] = [];
  for (const t of a.targetResources ?? []) {
    const type = TYPE_MAP[(t.type ?? '').toLowerCase()];
    if (!type || !t.id || seen.has(`${type}:${t.id}`)) continue;
    seen.add(`${type}:${t.id}`);
    resources.push({ type, id: t.id, ...(t.displayName ? { displayName: t.displayName } : {}) });
  }
  const user = a.initiatedBy?.user;
  const app = a.initiatedBy?.app;
  const initiatedBy: ResourceChangeEvent['initiatedBy'] = user?.id
    ? {
        type: 'user',
        id: user.id,
        ...(user.userPrincipalName || user.displayName
          ? { displayName: (user.userPrincipalName ?? user.displayName)! }
          : {}),
      }
    : app?.servicePrincipalId || app?.appId
      ? {
          type: 'app',
          id: (app.servicePrincipalId ?? app.appId)!,
          ...(app.displayName ? { displayName: app.displayName } : {}),
        }
      : null;
  return {
    id: a.id,
    time: a.activityDateTime,
    activity: a.activityDisplayName ?? '',
    category: a.category ?? '',
    ...(a.result ? { result: a.result } : {}),
    resources,
    initiatedBy,
  };
}

/**
 * Lists resource-change events from `auditLogs/directoryAudits` since a point in time, page by
 * page, gently (reports API quota). Needs AuditLog.Read.All.
 * https://learn.microsoft.com/en-us/graph/api/directoryaudit-list
 */
export async function* listEvents(
  client: GraphClient,
  options: ListEventsOptions,
): AsyncGenerator<ResourceChangeEvent> {
  const now = options.now ?? Date.now;
  const sleep =
    options.sleep ??
    ((ms: number, signal?: AbortSignal) => delay(ms, undefined, signal ? { signal } : undefined));
  let filter = `activityDateTime ge ${options.since.toISOString()}`;
  if (options.until) filter += ` and activityDateTime lt ${options.until.toISOString()}`;
  const path = `/auditLogs/directoryAudits?$filter=${encodeURIComponent(filter).replaceAll('%3A', ':')}&$top=${options.pageSize ?? 500}`;
  let last = now();
  for await (const page of client.pages<DirectoryAudit>(path, {
    priority: 'low',
    ...(options.signal ? { signal: options.signal } : {}),
  })) {
    for (const record of page.value) {
      const event = toEvent(record);
      if (event && (event.resources.length > 0 || options.includeUnmapped)) yield event;
    }
    // Space the next page request; the wait happens before the generator asks for it.
    if (page.nextLink) {
      const wait = last + AUDIT_PAGE_INTERVAL_MS - now();
      if (wait > 0) await sleep(wait, options.signal);
      last = now();
    }
  }
}

/**
 * A start time from an ISO date-time (`2026-01-01T00:00:00Z`) or a duration back from now, in the
 * settings' duration grammar (`90s`, `30m`, `24h`, `7d`, `2w`, `1d12h`, `PT1H`). Throws with what
 * is expected.
 */
export function parseSince(value: string, now: number = Date.now()): Date {
  const v = value.trim();
  if (/^\d{4}-\d{2}-\d{2}/.test(v)) {
    const t = Date.parse(v);
    if (!Number.isNaN(t)) return new Date(t);
  } else {
    try {
      return new Date(now - parseDurationMs(v));
    } catch {
      // The message below names both accepted forms.
    }
  }
  throw new Error('expected an ISO date-time (2026-01-01T00:00:00Z) or a duration such as 30m, 24h, 7d');
}

/**
 * All events since a time, as one list (for a control-plane task answer). Stops at `max` events
 * (default 10,000) so a long window cannot exhaust memory; `truncated` says so.
 */
export async function collectEvents(
  client: GraphClient,
  options: ListEventsOptions & { max?: number },
): Promise<{ events: ResourceChangeEvent[]; truncated: boolean }> {
  const max = options.max ?? 10_000;
  const events: ResourceChangeEvent[] = [];
  for await (const event of listEvents(client, options)) {
    if (events.length >= max) return { events, truncated: true };
    events.push(event);
  }
  return { events, truncated: false };
}
