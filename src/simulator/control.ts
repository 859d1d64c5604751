import type { RunningSimulator, WriteQuota } from './api.js';
import type { SimContext } from './context.js';
import { json, type SimRequest, type SimResponse } from './http/message.js';
import { mutate, MUTATION_OPS } from './control-mutate.js';

/**
 * `/_sim/…`: the simulator's own control surface, kept off the Graph namespace. No token is
 * needed (the server listens on loopback only).
 *
 *   GET  /_sim/counters            counters by endpoint
 *   POST /_sim/counters/reset      zero them
 *   POST /_sim/faults              body: FaultRule[] (replaces the rules)
 *   POST /_sim/throttling          body: {"enabled"?: boolean, "writeQuota"?: {"writes", "windowMs"} | null}
 *   POST /_sim/licensing           body: {"pim": boolean} (Entra ID P2: PIM's endpoints)
 *   GET  /_sim/provisioning        provisionOnDemand and job start/pause calls served
 *   POST /_sim/provisioning/reset  forget them
 *   POST /_sim/clock/advance       body: {"ms": number}
 *   POST /_sim/mutate              body: {"op": …, …} (ops in control-mutate.ts)
 *   GET  /_sim/info                tenant id, client id, seq of the change log
 *   GET  /_sim/help                this list
 */
const CONTROL_ENDPOINTS = {
  'GET /_sim/counters':
    'requests, resource units, throttled and faulted requests by endpoint (total under "*")',
  'POST /_sim/counters/reset': 'zero the counters',
  'POST /_sim/faults':
    'replace the fault rules: [{"path": regex, "query"?: regex, "method"?, "kind", "probability"?, "count"?, "value"?, "respond"?}]; kinds status429|status503|status504|slow|reset|malformed|truncated|gone410|lost-response|drop-next-link|empty-page|repeat-items|phantom-items; "lost-response" applies the request, then resets the connection (or "respond": "status504"); "drop-next-link" serves a page without its @odata.nextLink; "truncated" cuts the body off mid-stream',
  'POST /_sim/throttling':
    '{"enabled"?: boolean, "writeQuota"?: {"writes": number, "windowMs": number} | null} (null: 3,000 per 150 s)',
  'POST /_sim/licensing':
    '{"pim": boolean}: whether the tenant has Entra ID P2; without it PIM endpoints answer 400 AadPremiumLicenseRequired',
  'GET /_sim/provisioning':
    '{"provisionOnDemand": [{at, appId, servicePrincipalId, jobId, parameters, result}], "jobActions": [{at, appId, servicePrincipalId, jobId, action}]}',
  'POST /_sim/provisioning/reset': 'forget the recorded provisioning calls',
  'POST /_sim/clock/advance': '{"ms": number} (refused when the clock was injected)',
  'POST /_sim/mutate': `{"op": ${MUTATION_OPS.join('|')}, …}`,
  'GET /_sim/info': 'tenant id, client id, change-log position, simulator time',
};

export function createControl(ctx: SimContext, sim: () => RunningSimulator) {
  return async (req: SimRequest, action: string): Promise<SimResponse> => {
    try {
      const body = req.body.length ? (JSON.parse(req.body.toString('utf8')) as Record<string, unknown>) : {};
      const key = `${req.method} ${action}`;
      switch (key) {
        case 'GET counters':
          return json(200, sim().counters());
        case 'POST counters/reset':
          sim().resetCounters();
          return json(200, { ok: true });
        case 'POST faults':
          sim().setFaults((Array.isArray(body) ? body : body.rules) as never);
          return json(200, { ok: true });
        case 'POST throttling': {
          if (body.enabled === undefined && body.writeQuota === undefined)
            return bad(
              'expected "enabled" (true or false) and/or "writeQuota" ({"writes", "windowMs"} or null)',
            );
          if (body.enabled !== undefined && typeof body.enabled !== 'boolean')
            return bad('enabled: expected true or false');
          if (body.writeQuota !== undefined) sim().setWriteQuota(body.writeQuota as WriteQuota | null);
          if (typeof body.enabled === 'boolean') sim().setThrottling(body.enabled);
          return json(200, { ok: true });
        }
        case 'POST licensing':
          if (typeof body.pim !== 'boolean') return bad('pim: expected true or false');
          sim().setPim(body.pim);
          return json(200, { ok: true });
        case 'GET provisioning':
          return json(200, sim().provisioningCalls());
        case 'POST provisioning/reset':
          sim().resetProvisioningCalls();
          return json(200, { ok: true });
        case 'POST clock/advance':
          if (typeof body.ms !== 'number') return bad('ms: expected a number of milliseconds');
          sim().advanceClock(body.ms);
          return json(200, { now: new Date(ctx.clock.now()).toISOString() });
        case 'POST mutate':
          return json(200, mutate(ctx, body));
        case 'GET help':
          return json(200, CONTROL_ENDPOINTS);
        case 'GET info':
          return json(200, {
            tenantId: ctx.store.tenantId,
            clientId: sim().clientId,
            seq: ctx.store.currentSeq,
            now: new Date(ctx.clock.now()).toISOString(),
          });
        default:
          return json(404, {
            error: { code: 'NotFound', message: `No control endpoint ${req.method} /_sim/${action}.` },
          });
      }
    } catch (err) {
      return bad(err instanceof Error ? err.message : String(err));
    }
  };
}

function bad(message: string): SimResponse {
  return json(400, { error: { code: 'BadRequest', message } });
}
