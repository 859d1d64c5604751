import { Command, CommanderError } from 'commander';
import { CliError, EXIT_CODES_HELP, USAGE_EXIT } from './errors.js';
import { ConfigError } from '../config/source.js';
import { commandModules } from './commands.js';
import { VERSION } from '../version.js';

/** Builds the `baton-entra` command tree. Each command lives in its own module under src/cli/. */
export function buildProgram(): Command {
  const program = new Command('baton-entra')
    .description('Identity sync daemon for Microsoft Entra ID')
    .version(VERSION)
    .showHelpAfterError()
    .allowExcessArguments(false)
    .exitOverride()
    .addHelpText('after', EXIT_CODES_HELP);
  for (const register of commandModules) register(program);
  return program;
}

/** Runs the CLI and returns the process exit code; never calls process.exit itself. */
export async function runCli(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version arrive here as "errors" with exit code 0.
      return err.exitCode === 0 ? 0 : USAGE_EXIT;
    }
    if (err instanceof CliError) {
      process.stderr.write(`baton-entra: ${err.message}\n`);
      return err.exitCode;
    }
    // Bad settings from any command: the problems, each naming its variable; no stack.
    if (err instanceof ConfigError) {
      process.stderr.write(`baton-entra: ${err.message}\n`);
      return 1;
    }
    process.stderr.write(`baton-entra: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    return 1;
  }
}
