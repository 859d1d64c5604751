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
