import { randomBytes } from 'node:crypto';
import { Command } from 'commander';
import { pino } from 'pino';
import type { CommandModule } from './commands.js';
import { CliError, refusedCredential } from './errors.js';
import { loadConfig } from '../config/load.js';
import { parseDuration } from '../config/parse.js';
import type { ConnectorConfig } from '../config/types.js';
import {
  parseTypedId,
  ProvisioningError,
  type ProvisionRequest,
} from '../framework/provisioning/requests.js';
import type { ServiceResult } from '../framework/provisioning/service.js';
import type { JsonObject } from '../framework/types.js';
import { createLogger } from '../observability/logger.js';

interface CommonFlags {
  dryRun?: boolean;
  json?: boolean;
  dataDir?: string;
}

/** BATON_DATA_DIR as `serve` reads it (the journal is shared with the daemon on the same volume). */
function dataDir(flags: CommonFlags): string {
  if (flags.dataDir !== undefined) {
    if (flags.dataDir === '') throw new CliError('--data-dir: expected a directory');
    return flags.dataDir;
  }
  const v = process.env['BATON_DATA_DIR'];
  if (v === undefined) return '/tmp/baton';
  if (v.trim() === '') throw new CliError('BATON_DATA_DIR: expected a directory, got an empty value');
  return v;
}

function json(flag: string, text: string): JsonObject {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw new CliError(`${flag}: expected a JSON object, got text that is not JSON`);
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v))
    throw new CliError(`${flag}: expected a JSON object`);
  return v as JsonObject;
}

function typed(flag: string, value: string): { type: string; id: string } {
  try {
    return parseTypedId(flag, value);
  } catch (err) {
    throw new CliError((err as Error).message);
  }
}

/** Settings, a logger on stderr (stdout carries the result), and the provisioning switch. */
function setup(): { config: ConnectorConfig; logger: ReturnType<typeof createLogger> } {
  const config = loadConfig(process.env);
  if (!config.provisioning) {
    throw new CliError(
      'provisioning is disabled: set BATON_PROVISIONING=true to grant, revoke, or change accounts',
    );
  }
  const logger = createLogger({
    level: config.logLevel,
    format: config.logFormat,
    ...(config.logFormat === 'json' ? { destination: pino.destination({ dest: 2, sync: true }) } : {}),
  });
  return { config, logger };
}

/** Opens the provisioning service, runs `fn`, prints its result and closes. */
async function withService(
  flags: CommonFlags,
  fn: (
    service: import('../framework/provisioning/service.js').ProvisioningService,
  ) => Promise<ServiceResult | object | undefined>,
): Promise<void> {
  const { config, logger } = setup();
  // Loaded on use: the Graph stack is heavy and most commands never need it.
  const { openProvisioning } = await import('../connector/provisioning.js');
  const open = openProvisioning(config, { dataDir: dataDir(flags), logger });
  try {
    const result = await fn(open.service);
    if (result !== undefined) print(result, flags.json === true);
  } catch (err) {
    const refused = await refusedCredential(config, err);
    if (refused) throw refused;
    if (err instanceof ProvisioningError) throw new CliError(err.message);
    throw err;
  } finally {
    await open.close();
  }
}

function print(result: ServiceResult | object, asJson: boolean): void {
  if (asJson) {
    process.stdout.write(`${JSON.stringify(result)}\n`);
    return;
  }
  const r = result as Partial<ServiceResult>;
  if (r.outcome === undefined) {
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    return;
  }
  const lines = [`outcome: ${r.outcome}`, `task: ${r.taskId}`];
  if (r.heldBecause)
    lines.push(`held because: ${r.heldBecause}`, `approve with: baton-entra approve ${r.taskId}`);
  for (const q of r.requests ?? []) lines.push(`request: ${q.service} ${q.method} ${q.url}`);
  for (const g of r.grants ?? []) lines.push(`grant: ${g.id}`);
  if (r.resource) lines.push(`user: ${r.resource.id.resourceType}:${r.resource.id.resource}`);
  const sealed = r.detail?.['sealed_password'];
  for (const [k, v] of Object.entries(r.detail ?? {})) {
    if (k !== 'sealed_password') lines.push(`${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}`);
  }
  if (typeof sealed === 'string') lines.push('sealed_password:', sealed.trimEnd());
  process.stdout.write(`${lines.join('\n')}\n`);
}

const taskId = (): string => `cli-${randomBytes(10).toString('hex')}`;

function common(cmd: Command): Command {
  return cmd
    .option('--dry-run', 'plan only: print the exact requests without changing anything')
    .option('--json', 'print one JSON object (outcome, requests, …)')
    .option('--data-dir <dir>', 'where the provisioning journal lives (default: BATON_DATA_DIR)');
}

async function run(request: ProvisionRequest, flags: CommonFlags): Promise<void> {
  await withService(flags, (s) => s.run(taskId(), request, { dryRun: flags.dryRun === true }));
}

/**
 * `baton-entra grant|revoke|account|action|actions|approve`: the same provisioning service the
 * daemon's tasks use, from the command line, with the same journal and deletion guard.
 */
export const provisionCommands: CommandModule = (program: Command) => {
  common(
    program
      .command('grant')
      .description('Grant an entitlement to a principal')
      .requiredOption('--entitlement <id>', 'entitlement id from a snapshot, e.g. group:<id>:member')
      .requiredOption('--principal <type:id>', 'principal, e.g. user:<object id>')
      .option('--duration <duration>', 'time-bound grant where the target supports it, e.g. 8h'),
  ).action(async (f: CommonFlags & { entitlement: string; principal: string; duration?: string }) => {
    let durationMs: number | undefined;
    try {
      durationMs = f.duration === undefined ? undefined : parseDuration(f.duration, '--duration');
    } catch (err) {
      throw new CliError((err as Error).message);
    }
    await run(
      {
        kind: 'grant',
        entitlementId: f.entitlement,
        principal: typed('--principal', f.principal),
        ...(durationMs !== undefined ? { durationMs } : {}),
      },
      f,
    );
  });

  common(
    program
      .command('revoke')
      .description('Revoke a grant')
      .requiredOption(
        '--grant <id>',
        'grant id from a snapshot: <entitlement id>:<principal type>:<principal id>',
      ),
  ).action((f: CommonFlags & { grant: string }) => run({ kind: 'revoke', grantId: f.grant }, f));

  const account = program.command('account').description('Create and manage user accounts');
  common(
    account
      .command('create')
      .description('Create a user with a generated password, returned sealed to an age recipient')
      .requiredOption('--login <upn>', 'user principal name')
      .requiredOption('--display-name <name>', 'display name')
      .option(
        '--profile <json>',
        'further properties as JSON (givenName, jobTitle, manager, check_upn, extensionAttribute1…15, …)',
      )
      .option('--password-recipient <age1…>', 'age recipient (default: BATON_PASSWORD_RECIPIENT)'),
  ).action(
    (f: CommonFlags & { login: string; displayName: string; profile?: string; passwordRecipient?: string }) =>
      run(
        {
          kind: 'create_account',
          resourceType: 'user',
          login: f.login,
          displayName: f.displayName,
          ...(f.profile ? { profile: json('--profile', f.profile) } : {}),
          ...(f.passwordRecipient ? { passwordRecipient: f.passwordRecipient } : {}),
        },
        f,
      ),
  );
  for (const [verb, kind, description] of [
    ['disable', 'disable_account', 'Disable an account (blocks sign-in)'],
    ['enable', 'enable_account', 'Enable an account (allows sign-in again)'],
    ['delete', 'delete_account', 'Delete an account (soft: restorable for 30 days)'],
    ['restore', 'restore_account', 'Restore a deleted account from the recycle bin'],
  ] as const) {
    common(
      account
        .command(verb)
        .description(description)
        .requiredOption('--account <type:id>', 'account, e.g. user:<object id>'),
    ).action((f: CommonFlags & { account: string }) => {
      const a = typed('--account', f.account);
      return run({ kind, account: { resourceType: a.type, resource: a.id } }, f);
    });
  }

  common(
    program
      .command('action')
      .description('Run a connector action (see `actions list`)')
      .argument('<name>', 'action name')
      .option('--args <json>', 'arguments as a JSON object', '{}'),
  ).action((name: string, f: CommonFlags & { args: string }) =>
    run({ kind: 'invoke_action', name, args: json('--args', f.args) }, f),
  );

  const actions = program.command('actions').description('Connector actions');
  actions
    .command('list')
    .description('List the actions and what each does; with --json, also their argument schemas')
    .option(
      '--json',
      'print one JSON object: actions, each with name, displayName, description, destructive and arguments (a JSON Schema)',
    )
    .option('--data-dir <dir>', 'where the provisioning journal lives (default: BATON_DATA_DIR)')
    .action((f: CommonFlags) =>
      withService(f, (s) => {
        const list = s.listActions();
        if (!f.json) {
          for (const a of list)
            process.stdout.write(`${a.name}${a.destructive ? ' (destructive)' : ''}: ${a.description}\n`);
          return Promise.resolve(undefined);
        }
        return Promise.resolve({ actions: list });
      }),
    );

  common(
    program
      .command('approve')
      .description('Run an operation the deletion guard held')
      .argument('<id>', 'task id printed with outcome "held"'),
  ).action((id: string, f: CommonFlags) => withService(f, (s) => s.approve(id)));
};
