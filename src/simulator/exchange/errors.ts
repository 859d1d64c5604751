import { json, type SimRequest, type SimResponse } from '../http/message.js';

/**
 * Where each exception type lives, as the error text names it: membership errors are
 * Microsoft.Exchange.Management.Tasks, "object couldn't be found" is
 * Microsoft.Exchange.Configuration.Tasks (observed in EXO provisioning scripts that match on
 * these names to treat "already a member" / "not a member" as done).
 */
const NAMESPACE: Record<string, string> = {
  MemberAlreadyExistsException: 'Microsoft.Exchange.Management.Tasks',
  MemberNotFoundException: 'Microsoft.Exchange.Management.Tasks',
  RecipientTaskException: 'Microsoft.Exchange.Management.Tasks',
  ManagementObjectNotFoundException: 'Microsoft.Exchange.Configuration.Tasks',
  TenantNotFoundException: 'Microsoft.Exchange.Configuration.Tasks',
  ParameterBindingException: 'System.Management.Automation',
  CommandNotFoundException: 'System.Management.Automation',
  ArgumentException: 'System',
  UnauthorizedAccessException: 'System',
};

export function exceptionType(exception: string): string {
  return `${NAMESPACE[exception] ?? 'Microsoft.Exchange.Management.Tasks'}.${exception}`;
}

/** A cmdlet failure, named by its PowerShell exception type (e.g. MemberAlreadyExistsException). */
export class ExoError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly exception: string,
    message: string,
  ) {
    super(message);
    this.name = 'ExoError';
  }
}

/**
 * EXO's JSON error: clients read `error.details[0].message`, then
 * `error.innererror.internalException.message`, then `error.message` (CIPP New-ExoRequest).
 */
export function exoError(err: ExoError, req: SimRequest): SimResponse {
  const type = exceptionType(err.exception);
  const full = `|${type}|${err.message}`;
  return json(
    err.status,
    {
      error: {
        code: err.code,
        message: full,
        details: [{ code: 'Context', target: '', message: `Ex6F9304${full}` }],
        innererror: {
          message: err.message,
          type: 'Microsoft.Exchange.Admin.OData.Core.ODataServiceException',
          '@Microsoft.Exchange.Admin.OData.Core.Error.ExceptionType': err.exception,
          internalException: {
            message: err.message,
            type,
          },
        },
      },
    },
    { 'request-id': req.requestId },
  );
}
