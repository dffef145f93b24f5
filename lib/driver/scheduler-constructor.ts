/**
 * The arguments of MesosSchedulerDriver's constructor, in either of libmesos's shapes:
 * `(scheduler, framework, master, implicitAcknowledgements?, credential?, options?)` or, as
 * libmesos since Mesos 1.9, `(scheduler, framework, suppressedRoles, master,
 * implicitAcknowledgements, credential?, options?)`: the roles start suppressed (sent as
 * `subscribe.suppressed_roles`, on every re-subscription too until revived).
 */
import type { Credential, FrameworkInfo } from '../codec/messages';
import { MesosMisuseError } from '../common/errors';
import { checkRoles } from './scheduler-calls';
import type { SchedulerDriverOptions } from './scheduler-options';
import { validateSchedulerDriverOptions } from './scheduler-options-validation';
import type { Scheduler } from './scheduler-types';

/** The constructor's arguments after the framework, as given (either shape). */
export type SchedulerDriverArgs =
  | [master: string, implicitAcknowledgements?: boolean, credential?: Credential, options?: SchedulerDriverOptions]
  | [
      suppressedRoles: readonly string[],
      master: string,
      implicitAcknowledgements: boolean,
      credential?: Credential,
      options?: SchedulerDriverOptions,
    ];

/** The constructor's arguments, checked and in one shape. */
export interface SchedulerDriverConfig {
  master: string;
  implicitAcknowledgements: boolean;
  credential: Credential | undefined;
  options: SchedulerDriverOptions;
  suppressedRoles: readonly string[];
}

const WHO = 'MesosSchedulerDriver';

/** Checks the arguments (throwing MesosMisuseError / MesosConfigError naming the bad one) and normalises them. */
export function schedulerDriverConfig(
  scheduler: Scheduler,
  framework: FrameworkInfo,
  args: SchedulerDriverArgs,
): SchedulerDriverConfig {
  if (typeof scheduler !== 'object' || scheduler === null) {
    throw new MesosMisuseError(`${WHO}: scheduler must be an object with callback methods`);
  }
  if (typeof framework !== 'object' || framework === null || typeof framework.name !== 'string') {
    throw new MesosMisuseError(`${WHO}: framework must be a FrameworkInfo with a string name`);
  }
  const withRoles = Array.isArray(args[0]);
  const [master, implicitAcknowledgements, credential, options = {}] = (withRoles ? args.slice(1) : args) as [
    unknown,
    unknown,
    Credential | undefined,
    SchedulerDriverOptions | undefined,
  ];
  const suppressedRoles = withRoles ? (args[0] as readonly string[]) : [];
  checkRoles(suppressedRoles, `${WHO}: suppressedRoles`);
  if (new Set(suppressedRoles).size !== suppressedRoles.length) {
    throw new MesosMisuseError(`${WHO}: suppressedRoles has duplicates: ${JSON.stringify(suppressedRoles)}`);
  }
  if (typeof master !== 'string' || master.trim() === '') {
    throw new MesosMisuseError(`${WHO}: master must be a non-empty string`);
  }
  if (
    withRoles
      ? typeof implicitAcknowledgements !== 'boolean'
      : !['boolean', 'undefined'].includes(typeof implicitAcknowledgements)
  ) {
    throw new MesosMisuseError(`${WHO}: implicitAcknowledgements must be a boolean`);
  }
  if (credential !== undefined && (typeof credential !== 'object' || typeof credential?.principal !== 'string')) {
    throw new MesosMisuseError(`${WHO}: credential must be { principal: string, secret?: string }`);
  }
  validateSchedulerDriverOptions(options);
  return {
    master: master.trim(),
    implicitAcknowledgements: implicitAcknowledgements !== false,
    credential,
    options,
    suppressedRoles: [...suppressedRoles],
  };
}
