/**
 * A terminal `top` of a Mesos cluster's tasks, fed by the operator event stream: it subscribes to
 * the master (MesosMasterOperator.subscribe with a state mirror) and shows every task with its
 * state, framework and agent as the events arrive. On a terminal it redraws the table in place;
 * otherwise (a pipe, a log) it prints one line per change and the table at the end.
 *
 *   npx tsx samples/operator-top.ts                       # embedded LocalCluster with a small workload
 *   npx tsx samples/operator-top.ts --master=zk://zk1:2181/mesos
 *   npx tsx samples/operator-top.ts --once                # print the table once and exit
 *   npx tsx samples/operator-top.ts --duration=10         # watch for 10 s, then print the table and exit
 *
 * With the embedded cluster (no `--master`) a framework runs `--tasks` short command tasks on it,
 * so that there is something to watch.
 */
import {
  type FrameworkInfo,
  MesosConfigError,
  MesosMasterOperator,
  MesosSchedulerDriver,
  type MirrorChange,
  type Offer,
  type OperatorStateMirror,
  type Scheduler,
  type SchedulerDriver,
  type Task,
  type TaskInfo,
  type TaskState,
} from '../lib';
import {
  COMMON_FLAGS,
  type FlagSpec,
  type FlagValues,
  numberFlag,
  parseFlags,
  positiveIntFlag,
  stringFlag,
  usage,
} from './lib/flags';
import { parseScalarResources, takeScalars } from './lib/resources';
import { credentialFrom, runCli, type SampleHooks, type SampleOutcome, TERMINAL_STATES, withMaster } from './lib/run';

/** Flags of this sample. */
export const TOP_FLAGS: Record<string, FlagSpec> = {
  ...COMMON_FLAGS,
  once: { type: 'boolean', default: false, description: 'print the task table once (after SUBSCRIBED) and exit' },
  duration: {
    type: 'string',
    description: 'watch for this many seconds (waiting for the master included), then print the table and exit',
  },
  content_type: { type: 'string', default: 'protobuf', description: 'operator API encoding: protobuf or json' },
  tty: { type: 'boolean', description: 'redraw in place (default: when stdout is a terminal)' },
  tasks: {
    type: 'string',
    default: '6',
    description: 'embedded cluster only: command tasks the sample workload framework runs',
  },
  task_command: {
    type: 'string',
    default: 'sleep 0.3',
    description: 'embedded cluster only: shell command of each workload task',
  },
};

/** What a run of the top ended with (a SampleOutcome; `taskStates` is the last table). */
export interface TopOutcome extends SampleOutcome {
  /** Lines printed for changes (plain mode) or redraws (terminal mode). */
  updates: number;
}

const STATE_ORDER: TaskState[] = ['TASK_STAGING', 'TASK_STARTING', 'TASK_RUNNING', 'TASK_KILLING', 'TASK_FINISHED'];

/** The table of tasks the mirror knows (active first, then the completed ones, newest state first). */
export function renderTable(mirror: OperatorStateMirror, width = 100): string[] {
  const frameworkName = (id: string | undefined) =>
    (id &&
      (mirror.frameworks.get(id)?.framework_info.name ?? mirror.completedFrameworks.get(id)?.framework_info.name)) ||
    id ||
    '-';
  const agentHost = (id: string | undefined) => (id && mirror.agents.get(id)?.agent_info.hostname) || id || '-';
  const rows = [...mirror.tasks.values(), ...mirror.unreachableTasks.values(), ...mirror.completedTasks.values()];
  const count = (states: (s: TaskState) => boolean) => rows.filter((t) => states(t.state)).length;
  const header = [
    `${mirror.agents.size} agents, ${mirror.frameworks.size} frameworks, ${rows.length} tasks:`,
    `${count((s) => !TERMINAL_STATES.has(s))} active,`,
    `${count((s) => s === 'TASK_FINISHED')} finished,`,
    `${count((s) => TERMINAL_STATES.has(s) && s !== 'TASK_FINISHED')} failed/killed/lost`,
  ].join(' ');
  const line = (task: Task) =>
    [
      task.task_id.value.padEnd(20),
      task.state.padEnd(22),
      frameworkName(task.framework_id.value).padEnd(24),
      agentHost(task.agent_id?.value),
    ]
      .join(' ')
      .slice(0, width);
  const rank = (task: Task) => {
    const index = STATE_ORDER.indexOf(task.state);
    return index === -1 ? STATE_ORDER.length : index;
  };
  const sorted = rows.sort((a, b) => rank(a) - rank(b) || a.task_id.value.localeCompare(b.task_id.value));
  const title = `${'TASK'.padEnd(20)} ${'STATE'.padEnd(22)} ${'FRAMEWORK'.padEnd(24)} AGENT`;
  return [header, title, ...sorted.map(line)];
}

/** One plain line for a change of the mirror, or undefined for changes not worth a line. */
export function describeChange(change: MirrorChange): string | undefined {
  switch (change.kind) {
    case 'reset':
      return `subscribed: ${change.state.get_tasks?.tasks?.length ?? 0} active tasks, ${change.state.get_agents?.agents?.length ?? 0} agents`;
    case 'task':
      return change.previous?.state === change.task.state ? undefined : `task ${change.id} ${change.task.state}`;
    case 'agent':
      return change.agent
        ? `agent ${change.id} ${change.previous ? 'updated' : 'added'} (${change.agent.agent_info.hostname})`
        : `agent ${change.id} removed`;
    case 'framework':
      return change.framework
        ? `framework ${change.id} ${change.previous ? 'updated' : 'added'} (${change.framework.framework_info.name})`
        : `framework ${change.id} removed`;
  }
}

/** The `--content_type` flag of the operator samples; throws MesosConfigError unless protobuf or json. */
export function contentTypeFlag(values: FlagValues): 'protobuf' | 'json' {
  const value = stringFlag(values, 'content_type') ?? 'protobuf';
  if (value !== 'protobuf' && value !== 'json')
    throw new MesosConfigError(`--content_type must be protobuf or json, got '${value}'`);
  return value;
}

/** A framework that runs `count` command tasks, then stops: the workload the embedded cluster shows. */
function startWorkload(master: string, count: number, command: string, values: FlagValues): MesosSchedulerDriver {
  let launched = 0;
  let terminated = 0;
  const demand = parseScalarResources('cpus:0.1;mem:16');
  const scheduler: Scheduler = {
    resourceOffers(driver: SchedulerDriver, offers: Offer[]) {
      for (const offer of offers) {
        const remaining = [...(offer.resources ?? [])];
        const tasks: TaskInfo[] = [];
        while (launched < count) {
          const resources = takeScalars(remaining, demand);
          if (!resources) break;
          const id = `top-task-${launched++}`;
          tasks.push({
            name: id,
            task_id: { value: id },
            agent_id: offer.agent_id,
            resources,
            command: { value: command },
          });
        }
        driver.acceptOffers([offer.id], tasks.length > 0 ? [{ type: 'LAUNCH', launch: { task_infos: tasks } }] : []);
      }
    },
    statusUpdate(driver, status) {
      if (TERMINAL_STATES.has(status.state) && ++terminated === count) driver.stop();
    },
  };
  const framework: FrameworkInfo = {
    name: 'top-workload',
    user: '',
    principal: stringFlag(values, 'principal') ?? 'test',
  };
  const driver = new MesosSchedulerDriver(scheduler, framework, master, true, credentialFrom(values));
  driver.start();
  return driver;
}

/** Resolves once the mirror holds `count` tasks all terminal (the last TASK_UPDATED may trail the scheduler's update), or after 3 s. */
async function settled(mirror: OperatorStateMirror, count: number, signal: AbortSignal | undefined): Promise<void> {
  const deadline = Date.now() + 3000;
  while (mirror.completedTasks.size < count && Date.now() < deadline && !signal?.aborted) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/**
 * Runs the top with command-line style arguments; resolves with its outcome (`'help'` after
 * printing `--help`). Throws MesosConfigError on bad flags.
 */
export async function runOperatorTop(argv: readonly string[], hooks: SampleHooks = {}): Promise<TopOutcome | 'help'> {
  const log = hooks.log ?? console.log;
  const values = parseFlags(argv, TOP_FLAGS, hooks.env);
  if (values.help) {
    log(
      usage(
        'operator-top',
        'A terminal top of the tasks of a Mesos cluster, fed by the operator event stream.',
        TOP_FLAGS,
      ),
    );
    return 'help';
  }
  const duration = numberFlag(values, 'duration');
  const tasks = positiveIntFlag(values, 'tasks') ?? 6;
  const contentType = contentTypeFlag(values);
  const tty = typeof values.tty === 'boolean' ? values.tty : hooks.log === undefined && process.stdout.isTTY === true;
  const credential = credentialFrom(values);

  return withMaster(values, hooks, async (master, cluster) => {
    const operator = new MesosMasterOperator(master, { contentType, ...(credential ? { credential } : {}) });
    const workload = cluster
      ? startWorkload(master, tasks, stringFlag(values, 'task_command') ?? 'sleep 0.3', values)
      : undefined;
    let updates = 0;
    let redraw: NodeJS.Timeout | undefined;
    const draw = () => {
      redraw = undefined;
      updates++;
      const width = process.stdout.columns ?? 100;
      log(
        `\x1b[H\x1b[2J${new Date().toISOString()}  ${master}\n${renderTable(stream.mirror as OperatorStateMirror, width).join('\n')}`,
      );
    };
    let resolveSubscribed: () => void = () => undefined;
    let everSubscribed = false;
    const subscribed = new Promise<void>((resolve) => {
      resolveSubscribed = resolve;
    });
    const stream = operator.subscribe(
      {
        subscribed: () => {
          everSubscribed = true;
          resolveSubscribed();
        },
        disconnected: (error) => log(`lost the event stream (${error.message}); subscribing again`),
        error: (error) => log(`event stream error: ${(error as Error)?.message ?? String(error)}`),
      },
      { mirror: true },
    );
    const mirror = stream.mirror as OperatorStateMirror;
    mirror.onChange((change) => {
      if (tty) {
        redraw ??= setTimeout(draw, 100).unref();
        return;
      }
      const line = describeChange(change);
      if (line !== undefined && !values.once) {
        updates++;
        log(line);
      }
    });
    const aborted = new Promise<void>((resolve) => {
      if (hooks.signal?.aborted) resolve();
      hooks.signal?.addEventListener('abort', () => resolve(), { once: true });
    });
    // --duration bounds the whole run, waiting for the first SUBSCRIBED included.
    let durationTimer: NodeJS.Timeout | undefined;
    const elapsed =
      duration === undefined
        ? undefined
        : new Promise<void>((resolve) => {
            durationTimer = setTimeout(resolve, duration * 1000);
          });
    try {
      await Promise.race([subscribed, aborted, ...(elapsed ? [elapsed] : [])]);
      if (!values.once && everSubscribed) {
        const waits: Promise<unknown>[] = [aborted];
        if (elapsed) waits.push(elapsed);
        else if (workload) waits.push(workload.join().then(() => settled(mirror, tasks, hooks.signal)));
        await Promise.race(waits);
      }
      if (redraw) clearTimeout(redraw);
      if (!tty || values.once) log(renderTable(mirror).join('\n'));
      else draw();
      const taskStates: Record<string, TaskState> = {};
      for (const map of [mirror.tasks, mirror.unreachableTasks, mirror.completedTasks]) {
        for (const [id, task] of map) taskStates[id] = task.state;
      }
      const states = Object.values(taskStates);
      return {
        exitCode: everSubscribed ? 0 : 1,
        driverStatus: 'none',
        launched: states.length,
        finished: states.filter((s) => s === 'TASK_FINISHED').length,
        terminated: states.filter((s) => TERMINAL_STATES.has(s)).length,
        taskStates,
        master,
        updates,
      };
    } finally {
      if (redraw) clearTimeout(redraw);
      clearTimeout(durationTimer);
      workload?.stop();
      await workload?.join();
      await operator.close();
    }
  });
}

if (require.main === module) runCli(runOperatorTop);
