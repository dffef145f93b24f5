/**
 * TypeScript port of Mesos's Python example framework (`src/examples/python/test_framework.py`):
 * five tasks on the custom executor ./test-executor.ts, each update and each framework message
 * carrying `data with a \0 byte`, a framework message sent per finished task and bounced back by the
 * executor; once all came back the driver stops. Exits 0 when the driver ends DRIVER_STOPPED.
 *
 *   npx tsx samples/python-port/test-framework.ts local                  # in-process cluster, as libmesos
 *   npx tsx samples/python-port/test-framework.ts 127.0.0.1:5050         # mesos-local, or any master
 *   npx tsx samples/python-port/test-framework.ts zk://zk1:2181/mesos
 *
 * The executor ships as a libmesos framework ships one, through CommandInfo.uris: ./bundle.ts packs
 * it into `test-executor.tar.gz` (one bundled .js file and the library's proto/ folder), the agent
 * fetches and extracts it into the sandbox and runs `node test-executor.js` there. Unless
 * MESOS_EXAMPLE_EXECUTOR_URI names an archive made by bundle.ts (an http:// URL for agents on other
 * machines), the framework bundles one into a temporary folder and ships its absolute path, as the
 * Python original ships `os.path.abspath("./test-executor")`. MESOS_EXAMPLE_NODE is the node binary
 * on the agents (default: this one). The original's variables are read as it reads them:
 * MESOS_EXPLICIT_ACKNOWLEDGEMENTS, MESOS_EXAMPLE_AUTHENTICATE, MESOS_EXAMPLE_PRINCIPAL, MESOS_EXAMPLE_SECRET.
 *
 * Where it differs from the Python original: on a data mismatch the callback aborts the driver
 * where Python calls `sys.exit(1)` from the callback (the exit code is 1 either way); each task's
 * TASK_FINISHED is counted once, because Mesos may deliver an update again (an acknowledgement
 * lost in a failover); suppressedRoles comes third, as in libmesos's C++ and Java constructors
 * (Python takes it last).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type AgentID,
  bytesToBuffer,
  type Credential,
  type ExecutorID,
  type ExecutorInfo,
  type FrameworkID,
  type FrameworkInfo,
  MesosSchedulerDriver,
  nodeExecutorInfo,
  type Offer,
  type Scheduler,
  type SchedulerDriver,
  Status,
  type TaskInfo,
  type TaskStatus,
} from '../../lib';
import { bundleExecutor, EXECUTOR_SCRIPT } from './bundle';

const TOTAL_TASKS = 5;
const TASK_CPUS = 1;
const TASK_MEM = 128;
/** What the executor puts in every update and bounces back in every message. */
const DATA = Buffer.from('data with a \0 byte');

/** The scheduler of the Python original, callback for callback. */
export class TestScheduler implements Scheduler {
  private readonly taskData = new Map<string, [AgentID, ExecutorID]>();
  private readonly finished = new Set<string>();
  tasksLaunched = 0;
  tasksFinished = 0;
  messagesSent = 0;
  messagesReceived = 0;

  constructor(
    private readonly implicitAcknowledgements: boolean,
    private readonly executor: ExecutorInfo,
    private readonly framework: FrameworkInfo,
    private readonly print: (line: string) => void = console.log,
  ) {}

  registered(driver: SchedulerDriver, frameworkId: FrameworkID): void {
    this.print(`Registered with framework ID ${frameworkId.value}`);
    this.framework.id = frameworkId;
    // The framework subscribed with its role suppressed: this revives it (updateFramework, Mesos 1.9).
    driver.updateFramework(this.framework, []);
  }

  resourceOffers(driver: SchedulerDriver, offers: Offer[]): void {
    for (const offer of offers) {
      let offerCpus = 0;
      let offerMem = 0;
      for (const resource of offer.resources ?? []) {
        // Absent fields are undefined: an unset scalar is not 0 here, as it is in protobuf.
        if (resource.name === 'cpus') offerCpus += resource.scalar?.value ?? 0;
        else if (resource.name === 'mem') offerMem += resource.scalar?.value ?? 0;
      }
      this.print(`Received offer ${offer.id.value} with cpus: ${offerCpus} and mem: ${offerMem}`);

      let remainingCpus = offerCpus;
      let remainingMem = offerMem;
      const tasks: TaskInfo[] = [];
      while (this.tasksLaunched < TOTAL_TASKS && remainingCpus >= TASK_CPUS && remainingMem >= TASK_MEM) {
        const tid = this.tasksLaunched++;
        this.print(`Launching task ${tid} using offer ${offer.id.value}`);
        const task: TaskInfo = {
          task_id: { value: String(tid) },
          agent_id: offer.agent_id,
          name: `task ${tid}`,
          executor: this.executor,
          resources: [
            { name: 'cpus', type: 'SCALAR', scalar: { value: TASK_CPUS } },
            { name: 'mem', type: 'SCALAR', scalar: { value: TASK_MEM } },
          ],
        };
        tasks.push(task);
        this.taskData.set(task.task_id.value, [offer.agent_id, this.executor.executor_id]);
        remainingCpus -= TASK_CPUS;
        remainingMem -= TASK_MEM;
      }
      driver.acceptOffers([offer.id], [{ type: 'LAUNCH', launch: { task_infos: tasks } }]);
    }
  }

  statusUpdate(driver: SchedulerDriver, update: TaskStatus): void {
    const taskId = update.task_id.value;
    this.print(`Task ${taskId} is in state ${update.state}`);

    // Ensure the binary data came through.
    const data = bytesToBuffer(update.data ?? '');
    if (!data.equals(DATA)) {
      this.print('The update data did not match!');
      this.print(`  Expected: ${JSON.stringify(DATA.toString())}`);
      this.print(`  Actual:   ${JSON.stringify(data.toString())}`);
      driver.abort(); // Python: sys.exit(1) in a callback, which aborts its driver.
      return;
    }

    // Counted once per task: Mesos delivers an update at least once.
    if (update.state === 'TASK_FINISHED' && !this.finished.has(taskId)) {
      this.finished.add(taskId);
      this.tasksFinished++;
      if (this.tasksFinished === TOTAL_TASKS) this.print('All tasks done, waiting for final framework message');
      const [agentId, executorId] = this.taskData.get(taskId) ?? [];
      if (agentId && executorId) {
        this.messagesSent++;
        driver.sendFrameworkMessage(executorId, agentId, DATA);
      }
    }

    if (update.state === 'TASK_LOST' || update.state === 'TASK_KILLED' || update.state === 'TASK_FAILED') {
      this.print(
        `Aborting because task ${taskId} is in unexpected state ${update.state} with message '${update.message ?? ''}'`,
      );
      driver.abort();
    }

    // Explicitly acknowledge the update if implicit acknowledgements are not being used.
    if (!this.implicitAcknowledgements) driver.acknowledgeStatusUpdate(update);
  }

  frameworkMessage(driver: SchedulerDriver, _executorId: ExecutorID, _agentId: AgentID, message: Buffer): void {
    this.messagesReceived++;

    // The message bounced back as expected.
    if (!message.equals(DATA)) {
      this.print('The returned message data did not match!');
      this.print(`  Expected: ${JSON.stringify(DATA.toString())}`);
      this.print(`  Actual:   ${JSON.stringify(message.toString())}`);
      driver.abort();
      return;
    }
    this.print(`Received message: ${JSON.stringify(message.toString())}`);

    if (this.messagesReceived === TOTAL_TASKS) {
      if (this.messagesReceived !== this.messagesSent) {
        this.print(`Sent ${this.messagesSent} but received ${this.messagesReceived}`);
        driver.abort();
        return;
      }
      this.print('All tasks done, and all messages received, exiting');
      driver.stop();
    }
  }

  error(_driver: SchedulerDriver, message: string): void {
    this.print(`Error: ${message}`);
  }
}

/** The executor shipped through uris: MESOS_EXAMPLE_EXECUTOR_URI, else an archive bundled into `scratch`. */
async function executorInfo(env: NodeJS.ProcessEnv, scratch: () => string): Promise<ExecutorInfo> {
  const uri = env.MESOS_EXAMPLE_EXECUTOR_URI || (await bundleExecutor(scratch()));
  return {
    ...nodeExecutorInfo('default', {
      name: 'Test Executor (TypeScript)',
      uri,
      script: EXECUTOR_SCRIPT,
      nodePath: false, // the bundle holds the library
      ...(env.MESOS_EXAMPLE_NODE ? { node: env.MESOS_EXAMPLE_NODE } : {}),
    }),
    source: 'python_test',
  };
}

/**
 * The Python original's `__main__`: `argv` is `[master]`. Resolves with the exit code (0 when the
 * driver ended DRIVER_STOPPED); `print` receives what the original prints.
 */
export async function main(
  argv: readonly string[],
  print: (line: string) => void = console.log,
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  if (argv.length !== 1) {
    print('Usage: test-framework.ts master');
    return 1;
  }
  const master = argv[0] as string;
  let scratch: string | undefined;
  try {
    const executor = await executorInfo(env, () => (scratch = mkdtempSync(join(tmpdir(), 'python-port-'))));

    const framework: FrameworkInfo = {
      user: '', // Have Mesos fill in the current user.
      name: 'Test Framework (TypeScript port of the Python example)',
      checkpoint: true,
      role: '*',
    };

    let implicitAcknowledgements = true;
    if (env.MESOS_EXPLICIT_ACKNOWLEDGEMENTS) {
      print('Enabling explicit status update acknowledgements');
      implicitAcknowledgements = false;
    }

    let credential: Credential | undefined;
    if (env.MESOS_EXAMPLE_AUTHENTICATE) {
      print('Enabling authentication for the framework');
      if (!env.MESOS_EXAMPLE_PRINCIPAL) {
        print('Expecting authentication principal in the environment');
        return 1;
      }
      credential = {
        principal: env.MESOS_EXAMPLE_PRINCIPAL,
        ...(env.MESOS_EXAMPLE_SECRET ? { secret: env.MESOS_EXAMPLE_SECRET } : {}),
      };
      framework.principal = env.MESOS_EXAMPLE_PRINCIPAL;
    } else {
      framework.principal = 'test-framework-python';
    }

    // Subscribe with all roles suppressed to test the updateFramework() method.
    const driver = new MesosSchedulerDriver(
      new TestScheduler(implicitAcknowledgements, executor, framework, print),
      framework,
      [framework.role as string],
      master,
      implicitAcknowledgements,
      credential,
    );

    const status = (await driver.run()) === Status.DRIVER_STOPPED ? 0 : 1;

    // Ensure that the driver process terminates.
    driver.stop();
    return status;
  } finally {
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (status) => process.exit(status),
    (err: unknown) => {
      console.error(err instanceof Error ? err.message : err);
      process.exit(1);
    },
  );
}
