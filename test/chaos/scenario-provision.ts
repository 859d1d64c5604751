/**
 * Provisioning writes whose answers are lost after they were applied (the simulator's
 * `lost-response`), among the usual read faults: a membership grant, a revoke, an owner grant and
 * an account creation. A task the faults made fail is run again (same task id) without faults, as
 * the daemon does after a crash. Oracle: each effect shows exactly once in the tenant.
 */
import { generateIdentity, identityToRecipient } from 'age-encryption';
import { loadConfig } from '../../src/config/load.js';
import { openProvisioning } from '../../src/connector/provisioning.js';
import type { ProvisionRequest } from '../../src/framework/provisioning/requests.js';
import { createGraphClient } from '../../src/graph/client.js';
import { seededRandom } from '../../src/simulator/faults.js';
import type { Simulator } from '../../src/simulator/index.js';
import type { GroupRecord } from '../../src/simulator/tenant/model.js';
import { simulatorEnv } from '../support/simulator-env.js';
import { collectingLogger } from './log-sink.js';
import { effectsOnce, filesUnder, secretLeaks, type Effect, type Violation } from './oracles.js';
import type { RunResult } from './run-result.js';
import type { RunPlan } from './schedule.js';

const noSleep = async (): Promise<void> => undefined;

/** A cloud security group Graph writes to directly (not dynamic, synced, mail-enabled or role-assignable). */
function plainSecurityGroup(g: GroupRecord): boolean {
  return (
    g.securityEnabled &&
    !g.mailEnabled &&
    g.groupTypes.length === 0 &&
    !g.membershipRule &&
    !g.onPremisesSyncEnabled &&
    !g.isAssignableToRole
  );
}

export async function runProvisionScenario(plan: RunPlan, sim: Simulator, dir: string): Promise<RunResult> {
  const rnd = seededRandom(plan.seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const t = sim.tenant;
  const groups = [...t.groups.values()]
    .filter(plainSecurityGroup)
    .map((g) => g.id)
    .sort();
  const users = [...t.users.values()]
    .filter((u) => u.userType === 'Member' && u.accountEnabled)
    .map((u) => u.id)
    .sort();
  const group = pick(groups);
  const newMember = pick(users.filter((u) => !t.membersOf(group).includes(u)));
  const oldMember = pick(t.membersOf(group).filter((m) => t.kindOf(m) === 'user'));
  const newOwner = pick(users.filter((u) => !t.ownersOf(group).includes(u)));
  const login = `chaos${plan.seed}@${t.initialDomain}`;
  const recipient = await identityToRecipient(await generateIdentity());

  const tasks: [string, ProvisionRequest][] = [
    [
      'grant-member',
      { kind: 'grant', entitlementId: `group:${group}:member`, principal: { type: 'user', id: newMember } },
    ],
    ['revoke-member', { kind: 'revoke', grantId: `group:${group}:member:user:${oldMember}` }],
    [
      'grant-owner',
      { kind: 'grant', entitlementId: `group:${group}:owner`, principal: { type: 'user', id: newOwner } },
    ],
    [
      'create-account',
      {
        kind: 'create_account',
        resourceType: 'user',
        login,
        displayName: `Chaos Person ${plan.seed}`,
        profile: { employeeId: `C-${plan.seed}`, jobTitle: 'Chaos' },
        passwordRecipient: recipient,
      },
    ],
  ];

  const config = loadConfig({ ...simulatorEnv(sim), BATON_PROVISIONING: 'true' });
  const { logger, text } = collectingLogger();
  const violations: Violation[] = [];
  const before = sim.counters()['*']?.faults ?? 0;
  let failure: string | undefined;
  const open = () => {
    const graph = createGraphClient(config, { sleep: noSleep, logger });
    return openProvisioning(config, { dataDir: dir, logger, sleep: noSleep, graph });
  };
  sim.setFaults(plan.rules);
  let p = open();
  const failed: [string, ProvisionRequest][] = [];
  try {
    for (const [id, request] of tasks) {
      try {
        await p.service.run(id, request);
      } catch (err) {
        failure ??= `${id}: ${(err as Error).message}`;
        failed.push([id, request]);
      }
    }
  } finally {
    sim.setFaults([]);
    await p.close();
    await p.graph.close();
  }
  // As after a crash: a new process, the same journal, the same task ids.
  p = open();
  try {
    for (const [id, request] of failed) {
      try {
        await p.service.run(id, request);
      } catch (err) {
        violations.push({
          oracle: 'effect-once',
          detail: `${id} failed again without faults: ${(err as Error).message}`,
        });
      }
    }
  } finally {
    await p.close();
    await p.graph.close();
  }
  const faults = (sim.counters()['*']?.faults ?? 0) - before;

  const count = (xs: readonly string[], id: string) => xs.filter((x) => x === id).length;
  const created = [...t.users.values()].filter(
    (u) =>
      u.displayName === `Chaos Person ${plan.seed}` || u.userPrincipalName.startsWith(`chaos${plan.seed}`),
  );
  const effects: Effect[] = [
    { effect: `member user:${newMember} of group:${group}`, times: count(t.membersOf(group), newMember) },
    {
      effect: `removal of member user:${oldMember} from group:${group}`,
      times: t.membersOf(group).includes(oldMember) ? 0 : 1,
    },
    { effect: `owner user:${newOwner} of group:${group}`, times: count(t.ownersOf(group), newOwner) },
    { effect: `account ${login}`, times: created.length },
  ];
  violations.push(...effectsOnce(effects));
  const passwords = created.map((u) => t.userCredentials.get(u.id)?.password).filter((x): x is string => !!x);
  violations.push(
    ...secretLeaks(
      [sim.clientSecret, ...passwords],
      [{ name: 'provisioning logs', text: text() }, ...(await filesUnder(dir))],
    ),
  );
  return {
    faults,
    records: effects.length,
    violations,
    resumed: failed.length > 0,
    ...(failure ? { failure } : {}),
  };
}
