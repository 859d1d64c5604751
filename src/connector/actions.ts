import type { ActionManager } from '../framework/capabilities.js';
import { invalidArgument } from '../framework/provisioning/requests.js';
import { groupActions } from './group/actions.js';
import { checkArgs } from './shared/action-args.js';
import type { ProvisionDeps } from './shared/writes.js';
import { userActions } from './user/actions.js';

/**
 * The connector's actions (set_manager, check_upn, update_profile, update_user, enable_user,
 * disable_user, revoke_sessions, revoke_mfa, create_group), each declared with a JSON Schema of
 * its arguments that every call is checked against before anything is read or written.
 */
export function createEntraActions(deps: ProvisionDeps): ActionManager {
  const defs = [...userActions(deps), ...groupActions(deps)];
  const byName = new Map(defs.map((d) => [d.schema.name, d]));
  return {
    listActions: () => defs.map((d) => d.schema),
    invokeAction: async (name, args, o) => {
      const def = byName.get(name);
      if (!def)
        throw invalidArgument(`action "${name}": unknown; available: ${[...byName.keys()].join(', ')}`);
      checkArgs(def.schema, args);
      return def.run(args, o);
    },
  };
}
