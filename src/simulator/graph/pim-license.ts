import type { SimContext } from '../context.js';
import { GraphHttpError } from '../http/message.js';

/**
 * Privileged Identity Management needs Microsoft Entra ID P2 (or ID Governance). In a tenant
 * without it every PIM endpoint — schedule requests, schedules and their instances — answers
 * 400 AadPremiumLicenseRequired, while `roleAssignments` keeps working. Set through the `pim`
 * start option or `POST /_sim/licensing`.
 * https://learn.microsoft.com/entra/id-governance/privileged-identity-management/subscription-requirements
 */
export function requirePim(ctx: SimContext): void {
  if (!ctx.state.pimLicensed)
    throw new GraphHttpError(400, 'AadPremiumLicenseRequired', 'The tenant needs an AAD Premium 2 license.');
}
