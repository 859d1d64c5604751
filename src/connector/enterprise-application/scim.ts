import { setTimeout as delay } from 'node:timers/promises';
import type { OperationOptions } from '../../framework/capabilities.js';
import type { JsonObject, Principal } from '../../framework/types.js';
import { provisioningError, Writes, type ProvisionDeps } from '../shared/writes.js';

/** "The rate limit for this API is 5 requests per 10 seconds." https://learn.microsoft.com/graph/api/synchronization-synchronizationjob-provisionondemand */
export const ON_DEMAND_LIMIT = 5;
export const ON_DEMAND_WINDOW_MS = 10_000;

interface Job {
  id: string;
}
interface Rule {
  id: string;
  objectMappings?: { sourceObjectName?: string; enabled?: boolean }[];
}

/**
 * Hands out provisionOnDemand slots: at most five in any ten seconds, first come first served.
 * A slot is taken when asked for, so that concurrent grants queue instead of meeting a 429.
 */
export class OnDemandSlots {
  private readonly taken: number[] = [];

  constructor(private readonly now: () => number) {}

  /** How long to wait before the call this slot is for. */
  reserve(): number {
    const now = this.now();
    while (this.taken.length > 0 && this.taken[0]! <= now - ON_DEMAND_WINDOW_MS) this.taken.shift();
    const last = this.taken.at(-1) ?? now;
    const fifthBack = this.taken.at(-ON_DEMAND_LIMIT);
    const at = Math.max(now, last, fifthBack === undefined ? now : fifthBack + ON_DEMAND_WINDOW_MS);
    this.taken.push(at);
    return at - now;
  }
}

/** Which provisioning-service object a principal is; on-demand provisioning takes users and groups. */
function objectTypeName(p: Principal): 'User' | 'Group' | undefined {
  return p.type === 'user' ? 'User' : p.type === 'group' ? 'Group' : undefined;
}

/** The rule that provisions this kind of object, else the schema's first. */
function ruleFor(rules: Rule[], type: 'User' | 'Group'): Rule | undefined {
  return (
    rules.find((r) =>
      (r.objectMappings ?? []).some((m) => m.enabled !== false && m.sourceObjectName === type),
    ) ?? rules[0]
  );
}

/** provisionOnDemand answers 200 with the outcome in `key`, a JSON string: {result, details}. */
function onDemandResult(body: unknown): { result: string; errorCode?: string } {
  try {
    const key = JSON.parse(String((body as { key?: unknown } | undefined)?.key)) as {
      result?: string;
      details?: { errorCode?: string };
    };
    return {
      result: key.result ?? 'Unknown',
      ...(key.details?.errorCode ? { errorCode: key.details.errorCode } : {}),
    };
  } catch {
    return { result: 'Unknown' };
  }
}

/**
 * BATON_SCHEDULE_SCIM_PROVISIONING: after an app-role grant, the principal is provisioned into the
 * app now (provisionOnDemand with the job's rule) rather than at the job's next cycle; when that
 * does not apply or fails, the job is started instead. Nothing here fails the grant: the outcome
 * is reported for the result's detail. https://learn.microsoft.com/graph/api/resources/synchronization-overview
 */
export class ScimTrigger {
  private readonly slots: OnDemandSlots;
  private readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;

  constructor(private readonly deps: ProvisionDeps) {
    this.slots = new OnDemandSlots(deps.now);
    this.sleep = deps.sleep ?? ((ms, signal) => delay(ms, undefined, signal ? { signal } : undefined));
  }

  get enabled(): boolean {
    return this.deps.scheduleScimProvisioning === true;
  }

  /** Provisions the principal through each of the service principal's jobs; one report per job. */
  async afterGrant(spId: string, p: Principal, o: OperationOptions): Promise<JsonObject[]> {
    const sp = encodeURIComponent(spId);
    let jobs: Job[];
    try {
      jobs = [];
      for await (const page of this.deps.graph.pages<Job>(
        `/servicePrincipals/${sp}/synchronization/jobs`,
        o.signal ? { signal: o.signal } : {},
      ))
        jobs.push(...page.value);
    } catch (err) {
      return [{ error: provisioningError(`provisioning jobs of ${spId}`, err).message }];
    }
    const out: JsonObject[] = [];
    for (const job of jobs) out.push(await this.provision(sp, job.id, p, o));
    return out;
  }

  private async provision(sp: string, jobId: string, p: Principal, o: OperationOptions): Promise<JsonObject> {
    const w = new Writes(this.deps, o);
    const jobPath = `/servicePrincipals/${sp}/synchronization/jobs/${encodeURIComponent(jobId)}`;
    const report: JsonObject = { job: jobId };
    const type = objectTypeName(p);
    try {
      if (!type) {
        report.provisionOnDemand = `not applicable to ${p.type} principals`;
      } else {
        const schema = await this.deps.graph.get<{ synchronizationRules?: Rule[] }>(`${jobPath}/schema`, {
          ...(o.signal ? { signal: o.signal } : {}),
        });
        const rule = ruleFor(schema.synchronizationRules ?? [], type);
        if (!rule) {
          report.provisionOnDemand = 'the job schema has no synchronization rule';
        } else {
          if (!o.dryRun) {
            const wait = this.slots.reserve();
            if (wait > 0) await this.sleep(wait, o.signal);
          }
          const body = await w.graph('POST', `${jobPath}/provisionOnDemand`, {
            parameters: [{ ruleId: rule.id, subjects: [{ objectId: p.id, objectTypeName: type }] }],
          });
          if (o.dryRun) return { ...report, provisionOnDemand: 'planned' };
          const r = onDemandResult(body);
          report.provisionOnDemand = r.errorCode ? `${r.result} (${r.errorCode})` : r.result;
          // Done, or nothing to do (already in step); anything else is left to the job's own cycle.
          if (r.result === 'Success' || r.errorCode === 'RedundantExport') return report;
        }
      }
    } catch (err) {
      report.provisionOnDemand = `failed: ${provisioningError('provisionOnDemand', err).message}`;
    }
    try {
      await w.graph('POST', `${jobPath}/start`);
      report.start = o.dryRun ? 'planned' : 'started';
    } catch (err) {
      report.start = `failed: ${provisioningError('start', err).message}`;
    }
    return report;
  }
}
