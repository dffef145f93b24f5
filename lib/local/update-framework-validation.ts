/**
 * The checks of an UPDATE_FRAMEWORK call, in Mesos's order (`Master::updateFramework`), each
 * answered 400 with Mesos's prefix:
 * 1. the FrameworkInfo alone (roles, the master's --roles, failover_timeout):
 *    `Supplied FrameworkInfo is not valid: ...`;
 * 2. what may not change (principal, user, checkpoint): `FrameworkInfo update is not valid: ...`;
 * 3. the suppressed roles and offer constraints: `'UpdateFramework' call is not valid: ...`.
 */
import type { FrameworkInfo, scheduler } from '../codec/messages';
import { allocatorOptionsProblem, frameworkInfoProblem, frameworkRoles } from './master-frameworks';
import type { Re2Limits } from './re2/compile';

/** Why Mesos refuses `update` of a framework whose FrameworkInfo is `old`; undefined when it is valid. */
export function updateFrameworkProblem(
  old: FrameworkInfo,
  update: scheduler.Call.UpdateFramework,
  whitelist: readonly string[] | undefined,
  limits?: Re2Limits,
): string | undefined {
  const info = update.framework_info;
  const invalid = frameworkInfoProblem(info, whitelist);
  if (invalid) return `Supplied FrameworkInfo is not valid: ${invalid}`;
  const changed = unchangeableProblem(old, info);
  if (changed) return `FrameworkInfo update is not valid: ${changed}`;
  const roles = frameworkRoles(info);
  const refused = allocatorOptionsProblem(roles, update.suppressed_roles ?? [], update.offer_constraints, limits);
  if (refused) return `'UpdateFramework' call is not valid: ${refused}`;
  return undefined;
}

/** Mesos's `validation::framework::validateUpdate`: the principal, user and checkpoint cannot change. */
function unchangeableProblem(old: FrameworkInfo, info: FrameworkInfo): string | undefined {
  if ((info.principal ?? '') !== (old.principal ?? '')) return "Changing framework's principal is not allowed.";
  const user = info.user ?? '';
  if (user !== (old.user ?? ''))
    return `Updating 'FrameworkInfo.user' is unsupported; attempted to update from '${old.user ?? ''}' to '${user}'`;
  const checkpoint = info.checkpoint ?? false;
  if (checkpoint !== (old.checkpoint ?? false))
    return `Updating 'FrameworkInfo.checkpoint' is unsupported; attempted to update from '${!checkpoint}' to '${checkpoint}'`;
  return undefined;
}
