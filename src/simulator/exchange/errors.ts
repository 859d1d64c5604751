import { json, type SimRequest, type SimResponse } from '../http/message.js';

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
  const full = `|Microsoft.Exchange.Management.Tasks.${err.exception}|${err.message}`;
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
            type: `Microsoft.Exchange.Management.Tasks.${err.exception}`,
          },
        },
      },
    },
    { 'request-id': req.requestId },
  );
}
