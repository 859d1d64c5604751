import type { ProvisioningService } from '../framework/provisioning/service.js';
import {
  invalidArgument,
  ProvisioningError,
  type ProvisionRequest,
} from '../framework/provisioning/requests.js';
import type { JsonObject } from '../framework/types.js';
import type { AgentTask, TaskResult } from './agent/types.js';

type Payload = Record<string, unknown>;

/** `{resourceTypeId, resourceId}` (a wire ResourceRef) as `{type, id}`, naming the field when absent. */
function ref(p: Payload, field: string): { type: string; id: string } {
  const r = p[field] as { resourceTypeId?: string; resourceId?: string } | undefined;
  if (!r?.resourceTypeId || !r.resourceId) {
    throw invalidArgument(
      `${field}: expected {resourceTypeId, resourceId}, e.g. {"resourceTypeId":"user","resourceId":"<object id>"}`,
    );
  }
  return { type: r.resourceTypeId, id: r.resourceId };
}

function text(p: Payload, field: string): string {
  const v = p[field];
  if (typeof v !== 'string' || v === '') throw invalidArgument(`${field}: required`);
  return v;
}

/** A protobuf-JSON Duration (`"28800s"`, `"1.5s"`) in milliseconds. */
export function durationMs(v: unknown, field = 'duration'): number | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  const m = typeof v === 'string' ? /^(\d+(?:\.\d{1,9})?)s$/.exec(v) : null;
  if (!m)
    throw invalidArgument(
      `${field}: expected a protobuf Duration such as "28800s", got ${JSON.stringify(v)}`,
    );
  const ms = Math.round(Number(m[1]) * 1000);
  return ms > 0 ? ms : undefined;
}

/** The provisioning request a task carries. */
export function toProvisionRequest(task: AgentTask): ProvisionRequest {
  const p = task.payload;
  switch (task.kind) {
    case 'grant': {
      const d = durationMs(p['duration']);
      return {
        kind: 'grant',
        entitlementId: text(p, 'entitlementId'),
        principal: ref(p, 'principal'),
        ...(d !== undefined ? { durationMs: d } : {}),
      };
    }
    case 'revoke':
      return { kind: 'revoke', grantId: text(p, 'grantId') };
    case 'create_account': {
      const emails = Array.isArray(p['emails']) ? (p['emails'] as string[]) : [];
      return {
        kind: 'create_account',
        resourceType:
          typeof p['resourceTypeId'] === 'string' && p['resourceTypeId'] ? p['resourceTypeId'] : 'user',
        login: text(p, 'login'),
        ...(typeof p['displayName'] === 'string' && p['displayName']
          ? { displayName: p['displayName'] }
          : {}),
        ...(emails.length ? { emails } : {}),
        ...(p['profile'] && typeof p['profile'] === 'object' ? { profile: p['profile'] as JsonObject } : {}),
        ...(typeof p['passwordRecipient'] === 'string' && p['passwordRecipient']
          ? { passwordRecipient: p['passwordRecipient'] }
          : {}),
      };
    }
    case 'enable_account':
    case 'disable_account':
    case 'delete_account':
    case 'restore_account': {
      const a = ref(p, 'account');
      return { kind: task.kind, account: { resourceType: a.type, resource: a.id } };
    }
    case 'invoke_action':
      return {
        kind: 'invoke_action',
        name: text(p, 'name'),
        args: (p['args'] && typeof p['args'] === 'object' ? p['args'] : {}) as JsonObject,
      };
    default:
      throw new ProvisioningError('UNIMPLEMENTED', `${task.kind} is not a provisioning task`);
  }
}

/** Runs a provisioning task through the one provisioning service; errors become results. */
export async function runProvisioningTask(
  task: AgentTask,
  service: ProvisioningService,
  signal: AbortSignal,
): Promise<TaskResult> {
  try {
    const request = toProvisionRequest(task);
    const result = await service.run(task.id, request, {
      dryRun: task.dryRun === true,
      approved: task.approved === true,
      signal,
    });
    return { ok: true, response: JSON.parse(JSON.stringify(result)) as Record<string, unknown> };
  } catch (err) {
    if (err instanceof ProvisioningError) {
      return { ok: false, code: err.code, message: `${task.kind}: ${err.message}`, retryable: err.retryable };
    }
    throw err;
  }
}
