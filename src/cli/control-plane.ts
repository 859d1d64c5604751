import { Command, Option } from 'commander';
import { readFileSync } from 'node:fs';
import type { CommandModule } from './commands.js';
import { CliError } from './errors.js';
import { addClient, listClients } from '../reference-control-plane/clients.js';
import { listHosts } from '../reference-control-plane/hosts.js';
import { startControlPlane, type ControlPlaneTls } from '../reference-control-plane/server.js';
import { ControlPlaneStore } from '../reference-control-plane/store.js';
import { listSyncs, type SyncRecord } from '../reference-control-plane/syncs.js';
import { materialiseSyncCommand } from './control-plane-materialise.js';
import { isTaskKind, TASK_KINDS, type TaskKind } from '../reference-control-plane/task-kinds.js';
import { openSealed } from '../reference-control-plane/password-key.js';
import {
  addTask,
  approveTask,
  cancelTask,
  getTask,
  isHeld,
  listTasks,
} from '../reference-control-plane/tasks.js';
import { createLogger } from '../observability/logger.js';
import { parseDuration } from '../config/parse.js';

interface DataDirOpts {
  dataDir: string;
  json?: boolean;
}

const dataDirOption = () =>
  new Option('--data-dir <dir>', 'control plane state directory').makeOptionMandatory();

function withStore<T>(dir: string, fn: (store: ControlPlaneStore) => T): T {
  const store = new ControlPlaneStore(dir);
  try {
    return fn(store);
  } finally {
    store.close();
  }
}

function print(line: string): void {
  process.stdout.write(line + '\n');
}

function readPem(flag: string, path: string | undefined): string | undefined {
  if (!path) return undefined;
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new CliError(`${flag}: cannot read ${path}: ${(err as Error).message}`);
  }
}

/** `control-plane …`: the reference control plane that daemons upload to and take tasks from. */
export const controlPlaneCommand: CommandModule = (program) => {
  const cp = program
    .command('control-plane')
    .description('Reference control plane: receives snapshots, hands out tasks');
  cp.addCommand(serveCommand());
  cp.addCommand(clientsCommand());
  cp.addCommand(tasksCommand());
  cp.command('syncs')
    .description('Received snapshots')
    .addCommand(
      new Command('list')
        .description('List received snapshots (one JSON object per line with --json)')
        .addOption(dataDirOption())
        .option('--json', 'one JSON object per sync')
        .action((o: DataDirOpts) => {
          for (const s of withStore(o.dataDir, listSyncs)) {
            print(
              o.json
                ? JSON.stringify(s)
                : `${s.receivedAt}  ${s.host}  ${s.syncId}  ${s.kind}  ${form(s)}  ${s.bytes}  ${s.sha256}`,
            );
          }
        }),
    )
    .addCommand(materialiseSyncCommand(dataDirOption));
  cp.command('hosts')
    .description('Daemons that said hello')
    .addCommand(
      new Command('list')
        .description('List hosts with their last hello, version and status')
        .addOption(dataDirOption())
        .option('--json', 'one JSON object per host')
        .action((o: DataDirOpts) => {
          for (const h of withStore(o.dataDir, listHosts)) {
            print(
              o.json
                ? JSON.stringify(h)
                : `${h.hostId}  ${h.version}  ${h.connectionStatus}  hello ${h.lastHelloAt}  seen ${h.lastSeenAt}`,
            );
          }
        }),
    );
};

/** How a stored sync is held: whole, or as a diff of its parent. */
function form(s: SyncRecord): string {
  return s.diff ? `diff-of:${s.baseSyncId ?? '?'}` : 'whole';
}

function serveCommand(): Command {
  return new Command('serve')
    .description('Run the control plane gRPC server')
    .requiredOption('--listen <host:port>', 'address to listen on, e.g. 127.0.0.1:7443')
    .addOption(dataDirOption())
    .option('--tls-cert <file>', 'server certificate (PEM)')
    .option('--tls-key <file>', 'server private key (PEM)')
    .option('--client-ca <file>', 'require client certificates issued by this CA (mTLS)')
    .option('--insecure', 'allow plaintext on a non-loopback address')
    .option(
      '--no-diff-snapshots',
      'take whole snapshots only: daemons are told to send every sync whole (as to an older control plane)',
    )
    .option('--poll-interval <ms>', 'idle poll delay told to daemons', '5000')
    .option('--heartbeat-interval <ms>', 'heartbeat interval told to daemons', '30000')
    .option('--log-level <level>', 'log level', 'info')
    .action(
      async (o: {
        listen: string;
        dataDir: string;
        tlsCert?: string;
        tlsKey?: string;
        clientCa?: string;
        insecure?: boolean;
        diffSnapshots: boolean;
        pollInterval: string;
        heartbeatInterval: string;
        logLevel: string;
      }) => {
        if (Boolean(o.tlsCert) !== Boolean(o.tlsKey))
          throw new CliError('--tls-cert and --tls-key go together');
        if (o.clientCa && !o.tlsCert) throw new CliError('--client-ca needs --tls-cert and --tls-key');
        const pollIntervalMs = millis('--poll-interval', o.pollInterval);
        const heartbeatIntervalMs = millis('--heartbeat-interval', o.heartbeatInterval);
        let tls: ControlPlaneTls | undefined;
        if (o.tlsCert) {
          const clientCaPem = readPem('--client-ca', o.clientCa);
          tls = {
            certPem: readPem('--tls-cert', o.tlsCert)!,
            keyPem: readPem('--tls-key', o.tlsKey)!,
            ...(clientCaPem ? { clientCaPem } : {}),
          };
        }
        const logger = createLogger({ level: o.logLevel, name: 'control-plane' });
        const running = await startControlPlane({
          listen: o.listen,
          dataDir: o.dataDir,
          logger,
          pollIntervalMs,
          heartbeatIntervalMs,
          ...(tls ? { tls } : {}),
          ...(o.insecure ? { allowInsecure: true } : {}),
          acceptDiffSnapshots: o.diffSnapshots,
        }).catch((err: Error) => {
          throw new CliError(`--listen ${o.listen}: ${err.message}`);
        });
        logger.info(
          { address: running.address, tls: Boolean(tls), mtls: Boolean(tls?.clientCaPem) },
          'control plane listening',
        );
        await new Promise<void>((resolve) => {
          process.once('SIGINT', resolve);
          process.once('SIGTERM', resolve);
        });
        await running.close();
      },
    );
}

function clientsCommand(): Command {
  const clients = new Command('clients').description('Daemon credentials');
  clients
    .command('add')
    .description('Create a client; prints its id and secret once (only the public key is kept)')
    .addOption(dataDirOption())
    .option('--name <name>', 'client name', 'baton-entra')
    .option('--json', 'print {"clientId","clientSecret"}')
    .action(async (o: DataDirOpts & { name: string }) => {
      const store = new ControlPlaneStore(o.dataDir);
      try {
        const c = await addClient(store, o.name, new Date()).catch((err: Error) => {
          throw new CliError(`--name: ${err.message}`);
        });
        print(
          o.json ? JSON.stringify(c) : `BATON_CLIENT_ID=${c.clientId}\nBATON_CLIENT_SECRET=${c.clientSecret}`,
        );
      } finally {
        store.close();
      }
    });
  clients
    .command('list')
    .description('List clients')
    .addOption(dataDirOption())
    .option('--json', 'one JSON object per client')
    .action((o: DataDirOpts & { json?: boolean }) => {
      for (const c of withStore(o.dataDir, listClients))
        print(o.json ? JSON.stringify(c) : `${c.clientId}  ${c.name}  ${c.createdAt}`);
    });
  return clients;
}

interface TaskAddOpts extends DataDirOpts {
  kind: string;
  payload?: string;
  entitlement?: string;
  principal?: string;
  grant?: string;
  account?: string;
  login?: string;
  email?: string[];
  action?: string;
  args?: string;
  displayName?: string;
  passwordRecipient?: string;
  duration?: string;
  dryRun?: boolean;
}

function tasksCommand(): Command {
  const tasks = new Command('tasks').description('The task queue');
  tasks
    .command('add')
    .description('Queue a task for the next daemon that polls')
    .addOption(dataDirOption())
    .addOption(new Option('--kind <kind>', 'task kind').choices(TASK_KINDS).makeOptionMandatory())
    .option('--payload <json>', "payload as JSON (camelCase fields of the kind's message)")
    .option('--entitlement <id>', 'entitlement id (grant, revoke)')
    .option('--principal <type:id>', 'principal, e.g. user:<object id> (grant, revoke)')
    .option('--grant <id>', 'grant id (revoke)')
    .option('--account <type:id>', 'account (enable/disable/delete_account)')
    .option('--login <login>', 'login (create_account)')
    .option('--email <email...>', 'emails (create_account)')
    .option('--action <name>', 'action name (invoke_action)')
    .option('--args <json>', 'action arguments as JSON (invoke_action)')
    .option('--display-name <name>', 'display name (create_account)')
    .option(
      '--password-recipient <age1…>',
      'age recipient the generated password is sealed to (create_account)',
    )
    .option('--duration <duration>', 'time-bound grant, e.g. 8h (grant)')
    .option('--dry-run', 'provisioning kinds: plan only; the result lists the requests it would make')
    .option('--json', 'print the task as JSON')
    .action((o: TaskAddOpts) => {
      if (!isTaskKind(o.kind)) throw new CliError(`--kind must be one of ${TASK_KINDS.join(', ')}`);
      const payload = payloadFromFlags(o.kind, o);
      const task = withStore(o.dataDir, (store) => {
        try {
          return addTask(store, o.kind as TaskKind, payload, new Date(), { dryRun: o.dryRun === true });
        } catch (err) {
          throw new CliError(`--payload: ${(err as Error).message}`);
        }
      });
      print(o.json ? JSON.stringify(task) : task.id);
    });
  tasks
    .command('list')
    .description('List tasks with their status and result')
    .addOption(dataDirOption())
    .option('--json', 'one JSON object per task')
    .action((o: DataDirOpts) => {
      for (const t of withStore(o.dataDir, listTasks)) {
        const outcome = t.result?.ok ? t.result.response?.['outcome'] : undefined;
        const result = t.result
          ? t.result.ok
            ? `ok${typeof outcome === 'string' ? ` ${outcome}` : ''}${isHeld(t) ? ` (approve with: control-plane tasks approve ${t.id})` : ''}`
            : `error ${t.result.code}: ${t.result.message}`
          : '';
        print(o.json ? JSON.stringify(t) : `${t.id}  ${t.kind}  ${t.status}  ${t.hostId ?? '-'}  ${result}`);
      }
    });
  tasks
    .command('show')
    .description('Print one task with its whole result as JSON')
    .argument('<id>', 'task id')
    .addOption(dataDirOption())
    .action((id: string, o: DataDirOpts) => {
      const t = withStore(o.dataDir, (store) => getTask(store, id));
      if (!t) throw new CliError(`task ${id} does not exist`);
      print(JSON.stringify(t, null, 2));
    });
  tasks
    .command('password')
    .description(
      'Open the password of an account a create_account task made (sealed by the daemon to this control plane)',
    )
    .argument('<id>', 'task id')
    .addOption(dataDirOption())
    .action(async (id: string, o: DataDirOpts) => {
      const t = withStore(o.dataDir, (store) => getTask(store, id));
      if (!t) throw new CliError(`task ${id} does not exist`);
      const detail = t.result?.ok
        ? (t.result.response?.['detail'] as Record<string, unknown> | undefined)
        : undefined;
      const sealed = detail?.['sealed_password'];
      if (typeof sealed !== 'string' || sealed === '') {
        throw new CliError(`task ${id} (${t.kind}, ${t.status}) carries no sealed password`);
      }
      try {
        print(await openSealed(o.dataDir, sealed));
      } catch (err) {
        throw new CliError(
          `task ${id}: the password was not sealed to this control plane's key (${(err as Error).message}); open it with the identity of the recipient the task named`,
        );
      }
    });
  tasks
    .command('approve')
    .description('Run a task the daemon\u2019s deletion guard held (outcome "held")')
    .argument('<id>', 'task id')
    .addOption(dataDirOption())
    .action((id: string, o: DataDirOpts) => {
      const t = withStore(o.dataDir, (store) => {
        try {
          return approveTask(store, id);
        } catch (err) {
          throw new CliError((err as Error).message);
        }
      });
      print(`${t.id}  ${t.status}  approved`);
    });
  tasks
    .command('cancel')
    .description('Cancel a pending task, or ask the running host to stop it')
    .argument('<id>', 'task id')
    .addOption(dataDirOption())
    .action((id: string, o: DataDirOpts) => {
      const t = withStore(o.dataDir, (store) => cancelTask(store, id, new Date()));
      if (!t) throw new CliError(`task ${id} does not exist`);
      print(
        `${t.id}  ${t.status}${t.cancelRequested && t.status === 'running' ? '  (cancellation requested)' : ''}`,
      );
    });
  return tasks;
}

function millis(flag: string, value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new CliError(`${flag} must be a whole number of milliseconds`);
  return n;
}

function parseJson(flag: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new CliError(`${flag} must be valid JSON`);
  }
}

function ref(flag: string, value: string): { resourceTypeId: string; resourceId: string } {
  const i = value.indexOf(':');
  if (i <= 0 || i === value.length - 1) throw new CliError(`${flag} must be TYPE:ID, e.g. user:1f0c…`);
  return { resourceTypeId: value.slice(0, i), resourceId: value.slice(i + 1) };
}

function payloadFromFlags(kind: TaskKind, o: TaskAddOpts): unknown {
  const base = o.payload ? parseJson('--payload', o.payload) : {};
  if (base === null || typeof base !== 'object' || Array.isArray(base))
    throw new CliError('--payload must be a JSON object');
  const p = { ...(base as Record<string, unknown>) };
  if (o.entitlement) p.entitlementId = o.entitlement;
  if (o.principal) p.principal = ref('--principal', o.principal);
  if (o.grant) p.grantId = o.grant;
  if (o.account) p.account = ref('--account', o.account);
  if (o.login) p.login = o.login;
  if (o.email) p.emails = o.email;
  if (o.action) p.name = o.action;
  if (o.args) p.args = parseJson('--args', o.args);
  if (o.displayName) p.displayName = o.displayName;
  if (o.passwordRecipient) p.passwordRecipient = o.passwordRecipient;
  if (o.duration) p.duration = `${parseDuration(o.duration, '--duration') / 1000}s`;
  // Baton grant ids are `<entitlement id>:<principal type>:<principal id>`.
  if (kind === 'revoke' && !p.grantId && o.entitlement && o.principal)
    p.grantId = `${o.entitlement}:${o.principal}`;
  return p;
}
