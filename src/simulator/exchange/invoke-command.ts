import type { SimContext } from '../context.js';
import { EXCHANGE_APP_ID, EXCHANGE_RESOURCE } from '../context.js';
import { GraphHttpError, json, type SimRequest, type SimResponse } from '../http/message.js';
import { verifyBearer } from '../identity/bearer.js';
import { resolveTenant } from '../identity/token-endpoint.js';
import { exoError, ExoError } from './errors.js';
import type { GroupRecord } from '../tenant/model.js';
import { distributionGroups, findGroup, groupItem, recipientItem, resolveRecipient } from './recipients.js';

/** Get-* cmdlets return 1000 items per page unless `Prefer: odata.maxpagesize` asks otherwise. */
const DEFAULT_PAGE = 1000;

interface Invocation {
  CmdletName: string;
  Parameters: Record<string, unknown>;
}

/**
 * `POST /adminapi/{beta|v1.0}/{tenantId}/InvokeCommand`: the REST endpoint behind Exchange Online
 * PowerShell V3 (undocumented; shape as public EXO tooling uses it, e.g. CIPP New-ExoRequest).
 * Pages with `@odata.nextLink`, which the caller re-POSTs with the same body.
 */
export function createExchange(ctx: SimContext) {
  return async (req: SimRequest, tenant: string): Promise<SimResponse> => {
    try {
      if (!resolveTenant(ctx, tenant, false))
        throw new ExoError(
          404,
          'NotFound',
          'TenantNotFoundException',
          `Tenant '${tenant}' could not be found.`,
        );
      let claims;
      try {
        claims = await verifyBearer(ctx, req.headers.authorization, [EXCHANGE_RESOURCE, EXCHANGE_APP_ID]);
      } catch (err) {
        if (err instanceof GraphHttpError)
          throw new ExoError(401, 'Unauthorized', 'UnauthorizedAccessException', err.message);
        throw err;
      }
      if (!claims.roles.includes('Exchange.ManageAsApp')) {
        throw new ExoError(
          403,
          'Forbidden',
          'UnauthorizedAccessException',
          "The role assigned to application isn't supported in this scenario. Exchange.ManageAsApp is required.",
        );
      }
      const inv = parseInvocation(req);
      return run(ctx, req, tenant, inv);
    } catch (err) {
      if (err instanceof ExoError) return exoError(err, req);
      throw err;
    }
  };
}

function parseInvocation(req: SimRequest): Invocation {
  let body: unknown;
  try {
    body = JSON.parse(req.body.toString('utf8'));
  } catch {
    throw new ExoError(400, 'BadRequest', 'ArgumentException', 'The request body is not valid JSON.');
  }
  const ci = (body as { CmdletInput?: Invocation })?.CmdletInput;
  if (!ci || typeof ci.CmdletName !== 'string')
    throw new ExoError(
      400,
      'BadRequest',
      'ArgumentException',
      "The request body must contain 'CmdletInput.CmdletName'.",
    );
  return { CmdletName: ci.CmdletName, Parameters: ci.Parameters ?? {} };
}

function pageSize(req: SimRequest): number {
  const m = /odata\.maxpagesize=(\d+)/i.exec(req.headers.prefer ?? '');
  return m ? Math.max(1, Number(m[1])) : DEFAULT_PAGE;
}

function paged(
  ctx: SimContext,
  req: SimRequest,
  tenant: string,
  items: unknown[],
  context: string,
): SimResponse {
  const size = pageSize(req);
  const raw = req.query.get('$skiptoken');
  const offset = raw ? Number(Buffer.from(raw, 'base64url').toString('utf8')) : 0;
  if (!Number.isInteger(offset) || offset < 0)
    throw new ExoError(400, 'BadRequest', 'ArgumentException', 'The $skiptoken is not valid.');
  const body: Record<string, unknown> = {
    '@odata.context': `${ctx.origin}/adminapi/beta/${tenant}/$metadata#${context}`,
    'adminapi.warnings@odata.type': '#Collection(String)',
    '@adminapi.warnings': [],
  };
  if (offset + size < items.length)
    body['@odata.nextLink'] =
      `${ctx.origin}${req.path}?$skiptoken=${Buffer.from(String(offset + size)).toString('base64url')}`;
  body.value = items.slice(offset, offset + size);
  return json(200, body);
}

function param(inv: Invocation, name: string): string {
  const v = inv.Parameters[name];
  if (typeof v !== 'string' || v === '')
    throw new ExoError(
      400,
      'BadRequest',
      'ParameterBindingException',
      `A parameter cannot be found or is empty: '${name}' is required by ${inv.CmdletName}.`,
    );
  return v;
}

/**
 * A group synced from on-premises Active Directory is changed there, not in Exchange Online.
 * https://learn.microsoft.com/exchange/recipients-in-exchange-online/manage-distribution-groups/manage-distribution-groups
 */
function refuseSynced(inv: Invocation, g: GroupRecord): void {
  if (g.onPremisesSyncEnabled !== true) return;
  const property = inv.CmdletName === 'Set-DistributionGroup' ? 'ManagedBy' : 'Members';
  throw new ExoError(
    400,
    'BadRequest',
    'RecipientTaskException',
    `The action '${inv.CmdletName}', '${property}', can't be performed on the object '${g.mailNickname}' because the object is being synchronized from your on-premises organization. This action should be performed on the object in your on-premises organization.`,
  );
}

/** A change the directory refuses (a recipient the group cannot hold) is the cmdlet's error. */
function recipientTask<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof ExoError || !(err instanceof Error)) throw err;
    throw new ExoError(400, 'BadRequest', 'RecipientTaskException', err.message);
  }
}

function run(ctx: SimContext, req: SimRequest, tenant: string, inv: Invocation): SimResponse {
  const s = ctx.store;
  switch (inv.CmdletName) {
    case 'Get-DistributionGroup': {
      if (inv.Parameters.Filter !== undefined || inv.Parameters.Anr !== undefined) {
        // Refused rather than ignored, so a caller never mistakes an unfiltered list for a filtered one.
        throw new ExoError(
          400,
          'BadRequest',
          'ParameterBindingException',
          'Get-DistributionGroup: -Filter and -Anr are not evaluated by the simulator; use -RecipientTypeDetails or -Identity.',
        );
      }
      const want = inv.Parameters.RecipientTypeDetails;
      let groups = distributionGroups(ctx).map((g) => groupItem(ctx, g));
      if (typeof want === 'string')
        groups = groups.filter((g) =>
          want
            .split(',')
            .map((x) => x.trim())
            .includes(g.RecipientTypeDetails),
        );
      if (typeof inv.Parameters.Identity === 'string')
        groups = [groupItem(ctx, findGroup(ctx, inv.Parameters.Identity))];
      return paged(ctx, req, tenant, groups, 'DistributionGroup');
    }
    case 'Get-DistributionGroupMember': {
      const g = findGroup(ctx, param(inv, 'Identity'));
      const members = s
        .membersOf(g.id)
        .map((id) => recipientItem(ctx, id))
        .filter((x) => x !== undefined);
      return paged(ctx, req, tenant, members, 'DistributionGroupMember');
    }
    case 'Add-DistributionGroupMember':
    case 'Remove-DistributionGroupMember': {
      const g = findGroup(ctx, param(inv, 'Identity'));
      refuseSynced(inv, g);
      const m = resolveRecipient(ctx, param(inv, 'Member'));
      if (inv.CmdletName === 'Add-DistributionGroupMember') {
        if (!recipientTask(() => s.addMember(g.id, m)))
          throw new ExoError(
            400,
            'BadRequest',
            'MemberAlreadyExistsException',
            `The recipient "${inv.Parameters.Member}" is already a member of the group "${g.displayName}".`,
          );
      } else if (!recipientTask(() => s.removeMember(g.id, m))) {
        throw new ExoError(
          400,
          'BadRequest',
          'MemberNotFoundException',
          `The recipient "${inv.Parameters.Member}" isn't a member of the group "${g.displayName}".`,
        );
      }
      return json(200, {
        '@odata.context': `${ctx.origin}/adminapi/beta/${tenant}/$metadata#Collection(Edm.String)`,
        value: [],
      });
    }
    case 'Set-DistributionGroup': {
      const g = findGroup(ctx, param(inv, 'Identity'));
      refuseSynced(inv, g);
      const mb = inv.Parameters.ManagedBy as
        { Add?: string[] | string; Remove?: string[] | string } | undefined;
      if (!mb || typeof mb !== 'object')
        throw new ExoError(
          400,
          'BadRequest',
          'ParameterBindingException',
          'Set-DistributionGroup: only ManagedBy @{Add=…; Remove=…} is supported.',
        );
      const list = (v: string[] | string | undefined): string[] =>
        v === undefined ? [] : Array.isArray(v) ? v : [v];
      const add = list(mb.Add).map((a) => resolveRecipient(ctx, a));
      const remove = list(mb.Remove).map((r) => resolveRecipient(ctx, r));
      recipientTask(() => {
        for (const a of add) s.addOwner(g.id, a);
        for (const r of remove) s.removeOwner(g.id, r);
      });
      return json(200, {
        '@odata.context': `${ctx.origin}/adminapi/beta/${tenant}/$metadata#Collection(Edm.String)`,
        value: [],
      });
    }
    default:
      throw new ExoError(
        400,
        'BadRequest',
        'CommandNotFoundException',
        `The term '${inv.CmdletName}' is not recognized as a cmdlet available in this simulator.`,
      );
  }
}
