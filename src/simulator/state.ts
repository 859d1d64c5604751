import type { UserMethods } from './graph/auth-methods.js';
import type { Guid } from './tenant/model.js';

/** One `provisionOnDemand` call the simulator served, as a test reads it back. */
export interface ProvisionOnDemandCall {
  /** Simulator time of the call (ISO 8601). */
  at: string;
  /** The calling app's client id. */
  appId: string;
  servicePrincipalId: Guid;
  jobId: string;
  parameters: { ruleId: string; subjects: { objectId: string; objectTypeName: string }[] }[];
  /** `result` of the answer's key: Success, Skipped or Failure. */
  result: string;
}

/** A bound action on a provisioning job: start, pause. */
export interface JobActionCall {
  at: string;
  appId: string;
  servicePrincipalId: Guid;
  jobId: string;
  action: 'start' | 'pause';
}

/**
 * What the simulator keeps beside the tenant: calls a test reads back through `/_sim/provisioning`,
 * the PIM requests made, and per-user authentication methods (made on first use, so generating a
 * tenant draws nothing for them).
 */
export class SimState {
  readonly provisionOnDemand: ProvisionOnDemandCall[] = [];
  readonly jobActions: JobActionCall[] = [];
  /** unifiedRoleAssignmentScheduleRequest / unifiedRoleEligibilityScheduleRequest objects, oldest first. */
  readonly roleRequests: { assignment: Record<string, unknown>[]; eligibility: Record<string, unknown>[] } = {
    assignment: [],
    eligibility: [],
  };
  readonly authMethods = new Map<Guid, UserMethods>();
  /** Schedules made through PIM requests (`active:<id>`, `eligible:<id>`): these run out at their end. */
  readonly requestedSchedules = new Set<string>();
  /** Whether the tenant has Entra ID P2, which PIM's endpoints need (see graph/pim-license.ts). */
  pimLicensed = true;
  /** Users provisioned on demand per job (`${jobId}|${objectId}`): a repeat is a redundant export. */
  readonly provisioned = new Set<string>();

  resetProvisioning(): void {
    this.provisionOnDemand.length = 0;
    this.jobActions.length = 0;
  }
}
