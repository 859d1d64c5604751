import type { ConnectorConfig } from '../config/types.js';

/**
 * An error meant for the person at the terminal: its message is printed as is (no stack) and the
 * process exits with `exitCode`. Throw it for bad input — name the variable, field or argument and
 * say what is expected.
 */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

/** Exit code for a command line that does not parse (wrong flag, missing argument). */
export const USAGE_EXIT = 2;

/** The exit codes every command keeps to, shown after `--help` and in the README. */
export const EXIT_CODES_HELP = `
Exit codes:
  0  done (a provisioning operation applied, already applied, planned or held; validate: connected)
  1  failed: bad settings (each named), an operation or sync that failed, validate not connected
  2  the command line does not parse (unknown command or flag, missing argument)`;

/**
 * When Entra refused the configured credential (a wrong secret, an unknown tenant or app …): a
 * CliError naming the setting to fix and saying what Entra said. Undefined for any other error.
 * The refusal may be the cause of the error given (a provisioning error wraps Graph's).
 */
export async function refusedCredential(
  config: ConnectorConfig,
  err: unknown,
): Promise<CliError | undefined> {
  // Loaded on use: the Graph stack is heavy and most commands never need it.
  const [{ GraphError }, { explainTokenFailure }] = await Promise.all([
    import('../graph/errors.js'),
    import('../graph/credential-refusal.js'),
  ]);
  let graph: unknown = err;
  for (let i = 0; i < 3 && graph instanceof Error && !(graph instanceof GraphError); i++) graph = graph.cause;
  if (!(graph instanceof GraphError) || graph.kind !== 'unauthenticated') return undefined;
  const refusal = await explainTokenFailure(config, graph);
  return refusal ? new CliError(refusal.message) : undefined;
}
