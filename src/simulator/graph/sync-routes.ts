/**
 * SCIM provisioning jobs of enterprise apps: a job, its schema (whose rule ids provisionOnDemand
 * names), `start`, `pause` and `provisionOnDemand`. Calls are recorded for tests
 * (`/_sim/provisioning`); provisionOnDemand is limited to 5 requests per 10 s (throttle.ts).
 * https://learn.microsoft.com/graph/api/resources/synchronization-overview
 * https://learn.microsoft.com/graph/api/synchronization-synchronizationjob-provisionondemand
 */
import { createHash } from 'node:crypto';
import type { SimContext } from '../context.js';
import { GraphHttpError, json, noContent } from '../http/message.js';
import type { ProvisionOnDemandCall } from '../state.js';
import { guidFromBytes } from '../tenant/ids.js';
import type { Guid, SynchronizationJobRecord } from '../tenant/model.js';
import { notFound } from './directory.js';
import { PERMS } from './permissions.js';
import { route, type GraphRequest, type GraphRoute } from './route.js';
import { body } from './write-support.js';

const bad = (message: string) => new GraphHttpError(400, 'BadRequest', message);

function findJob(ctx: SimContext, spId: string, jobId: string): SynchronizationJobRecord {
  if (!ctx.store.servicePrincipals.has(spId)) throw notFound(spId);
  const job = ctx.store.synchronizationJobs.get(spId)?.find((j) => j.id === jobId);
  if (!job) throw notFound(jobId);
  return job;
}

/** The job's one synchronization rule: a GUID derived from the job id, stable across runs. */
export function ruleIdOf(jobId: string): Guid {
  const b = Uint8Array.from(createHash('sha256').update(`rule|${jobId}`).digest().subarray(0, 16));
  b[6] = ((b[6] as number) & 0x0f) | 0x40;
  b[8] = ((b[8] as number) & 0x3f) | 0x80;
  return guidFromBytes(b);
}

/** https://learn.microsoft.com/graph/api/resources/synchronization-synchronizationschema */
function schemaOf(job: SynchronizationJobRecord, appName: string) {
  return {
    id: job.id,
    version: 'Date:2024-01-01T00:00:00Z~###~1',
    synchronizationRules: [
      {
        id: ruleIdOf(job.id),
        name: `USER_INBOUND_USER`,
        editable: true,
        sourceDirectoryName: 'Azure Active Directory',
        targetDirectoryName: appName,
        objectMappings: [
          {
            name: 'Provision Azure Active Directory Users',
            enabled: true,
            flowTypes: 'Add, Update, Delete',
            sourceObjectName: 'User',
            targetObjectName: 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User',
          },
          {
            name: 'Provision Azure Active Directory Groups',
            enabled: true,
            flowTypes: 'Add, Update, Delete',
            sourceObjectName: 'Group',
            targetObjectName: 'urn:ietf:params:scim:schemas:core:2.0:Group',
          },
        ],
      },
    ],
    directories: [],
  };
}

/**
 * Whether a subject is in the job's scope: "Sync only assigned users and groups" (the default
 * scope) takes users and groups assigned to the app, and users through a group assigned to it.
 * https://learn.microsoft.com/entra/identity/app-provisioning/define-conditional-rules-for-provisioning-user-accounts
 */
function entitled(ctx: SimContext, spId: Guid, objectId: Guid): boolean {
  const assigned = new Set(ctx.store.appRoleAssignedTo(spId).map((a) => a.principalId));
  if (assigned.has(objectId)) return true;
  return ctx.store.memberOf(objectId).some((g) => assigned.has(g));
}

interface Subject {
  objectId: string;
  objectTypeName: string;
}

function parseParameters(raw: unknown, job: SynchronizationJobRecord) {
  if (!Array.isArray(raw) || raw.length === 0)
    throw bad('\'parameters\' is required: [{"ruleId", "subjects": [{"objectId", "objectTypeName"}]}].');
  return raw.map((p: unknown, i) => {
    const param = (p ?? {}) as { ruleId?: unknown; subjects?: unknown };
    if (typeof param.ruleId !== 'string') throw bad(`parameters[${i}].ruleId is required.`);
    if (param.ruleId.toLowerCase() !== ruleIdOf(job.id))
      throw bad(`The synchronization rule '${param.ruleId}' does not exist in the job's schema.`);
    if (!Array.isArray(param.subjects) || param.subjects.length === 0)
      throw bad(`parameters[${i}].subjects is required: [{"objectId", "objectTypeName"}].`);
    const subjects = (param.subjects as unknown[]).map((x, j) => {
      const s = (x ?? {}) as Partial<Subject>;
      if (typeof s.objectId !== 'string' || typeof s.objectTypeName !== 'string')
        throw bad(`parameters[${i}].subjects[${j}] needs 'objectId' and 'objectTypeName'.`);
      const type = s.objectTypeName.toLowerCase();
      if (type !== 'user' && type !== 'group')
        throw bad(`parameters[${i}].subjects[${j}].objectTypeName must be 'User' or 'Group'.`);
      return { objectId: s.objectId, objectTypeName: s.objectTypeName };
    });
    return { ruleId: param.ruleId, subjects };
  });
}

type Outcome = 'Success' | 'Skipped' | 'Failure';

/** One subject's outcome as the provisioning service reports it (key and value are JSON strings). */
function provisionSubject(ctx: SimContext, spId: Guid, job: SynchronizationJobRecord, s: Subject) {
  const isUser = s.objectTypeName.toLowerCase() === 'user';
  const rec = isUser ? ctx.store.users.get(s.objectId) : ctx.store.groups.get(s.objectId);
  if (!rec) throw notFound(s.objectId);
  const name = 'userPrincipalName' in rec ? rec.userPrincipalName : rec.displayName;
  const key = `${job.id}|${s.objectId}`;
  let result: Outcome;
  let details: Record<string, string> = {};
  let action = 'Create';
  if (!entitled(ctx, spId, s.objectId)) {
    result = 'Skipped';
    action = 'Other';
    details = {
      errorCode: 'NotEffectivelyEntitled',
      errorMessage: `The ${isUser ? 'user' : 'group'} is not assigned to the application and is out of the provisioning scope.`,
    };
  } else if (ctx.state.provisioned.has(key)) {
    result = 'Skipped';
    action = 'Other';
    details = {
      errorCode: 'RedundantExport',
      errorMessage: `The state of the ${isUser ? 'user' : 'group'} in both the source and target systems already match.`,
    };
  } else {
    result = 'Success';
    ctx.state.provisioned.add(key);
  }
  const at = new Date(ctx.clock.now()).toISOString();
  const summary = {
    action,
    changeId: createHash('sha256').update(`${key}|${at}`).digest('hex').slice(0, 32),
    startTime: at,
    endTime: at,
    reportableIdentifier: name,
    statusInfo: {
      status: result,
      errorCode: details.errorCode ?? null,
      reason: details.errorMessage ?? null,
    },
    sourceIdentity: { id: s.objectId, type: isUser ? 'User' : 'Group', displayName: rec.displayName },
    sourceSystem: { id: null, name: 'Azure Active Directory' },
    targetSystem: { id: null, name: ctx.store.servicePrincipals.get(spId)?.displayName ?? null },
    provisioningSteps: [
      {
        name: 'EntryImport',
        type: 'Import',
        status: 'Success',
        description: `Retrieved ${isUser ? 'User' : 'Group'} '${name}' from Azure Active Directory`,
        timestamp: at,
      },
      {
        name: 'EntrySynchronizationScoping',
        type: 'Scoping',
        status: details.errorCode === 'NotEffectivelyEntitled' ? 'Skipped' : 'Success',
        description: `Determine if ${isUser ? 'User' : 'Group'} in scope by evaluating against each scoping filter`,
        timestamp: at,
        details: {
          IsEffectivelyEntitledForProvisioning: String(details.errorCode !== 'NotEffectivelyEntitled'),
        },
      },
      {
        name: result === 'Success' ? 'EntryExportAdd' : 'EntrySynchronizationSkip',
        type: 'Export',
        status: result,
        description:
          result === 'Success'
            ? `${isUser ? 'User' : 'Group'} '${name}' was created in ${targetName(ctx, spId)}`
            : (details.errorMessage ?? ''),
        timestamp: at,
      },
    ],
  };
  return { result, details, summary };
}

function targetName(ctx: SimContext, spId: Guid): string {
  return ctx.store.servicePrincipals.get(spId)?.displayName ?? 'the application';
}

const RANK: Record<Outcome, number> = { Success: 0, Skipped: 1, Failure: 2 };

function provisionOnDemand(ctx: SimContext, req: GraphRequest, spId: Guid, jobId: string) {
  const job = findJob(ctx, spId, jobId);
  const parameters = parseParameters(body(req).parameters, job);
  const outcomes = parameters.flatMap((p) => p.subjects.map((s) => provisionSubject(ctx, spId, job, s)));
  const worst = outcomes.reduce((a, b) => (RANK[b.result] > RANK[a.result] ? b : a));
  const call: ProvisionOnDemandCall = {
    at: new Date(ctx.clock.now()).toISOString(),
    appId: req.claims.appid,
    servicePrincipalId: spId,
    jobId,
    parameters,
    result: worst.result,
  };
  ctx.state.provisionOnDemand.push(call);
  return json(200, {
    '@odata.context': `${ctx.origin}/${req.version}/$metadata#microsoft.graph.stringKeyStringValuePair`,
    key: JSON.stringify({ result: worst.result, details: worst.details }),
    value: JSON.stringify(outcomes.length === 1 ? worst.summary : outcomes.map((o) => o.summary)),
  });
}

/** `start` resumes a paused job (and clears a quarantine); `pause` stops it where it is. */
function jobAction(ctx: SimContext, req: GraphRequest, spId: Guid, jobId: string, action: 'start' | 'pause') {
  const job = findJob(ctx, spId, jobId);
  const state = action === 'start' ? 'Active' : 'Paused';
  ctx.store.updateSynchronizationJob(spId, job.id, {
    schedule: { ...job.schedule, state },
    status: { ...job.status, code: state },
  });
  ctx.state.jobActions.push({
    at: new Date(ctx.clock.now()).toISOString(),
    appId: req.claims.appid,
    servicePrincipalId: spId,
    jobId: job.id,
    action,
  });
  return noContent();
}

const JOBS = '/servicePrincipals/{id}/synchronization/jobs/{job}';

export const syncRoutes: GraphRoute[] = [
  route('GET', JOBS, PERMS.sync, (ctx, req, [spId, jobId]) =>
    json(200, {
      '@odata.context': `${ctx.origin}/${req.version}/$metadata#servicePrincipals('${spId}')/synchronization/jobs/$entity`,
      ...findJob(ctx, spId as string, jobId as string),
    }),
  ),
  route('GET', `${JOBS}/schema`, PERMS.sync, (ctx, req, [spId, jobId]) => {
    const job = findJob(ctx, spId as string, jobId as string);
    return json(200, {
      '@odata.context': `${ctx.origin}/${req.version}/$metadata#servicePrincipals('${spId}')/synchronization/jobs('${job.id}')/schema/$entity`,
      ...schemaOf(job, targetName(ctx, spId as string)),
    });
  }),
  // https://learn.microsoft.com/graph/api/synchronization-synchronizationjob-start
  route('POST', `${JOBS}/start`, PERMS.syncWrite, (ctx, req, [spId, jobId]) =>
    jobAction(ctx, req, spId as string, jobId as string, 'start'),
  ),
  // https://learn.microsoft.com/graph/api/synchronization-synchronizationjob-pause
  route('POST', `${JOBS}/pause`, PERMS.syncWrite, (ctx, req, [spId, jobId]) =>
    jobAction(ctx, req, spId as string, jobId as string, 'pause'),
  ),
  route('POST', `${JOBS}/provisionOnDemand`, PERMS.syncWrite, (ctx, req, [spId, jobId]) =>
    provisionOnDemand(ctx, req, spId as string, jobId as string),
  ),
];
