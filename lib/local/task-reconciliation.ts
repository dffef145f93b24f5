/**
 * RECONCILE as Mesos's master answers it. Implicit (no tasks): the latest state of each task the
 * master holds for the framework, terminal ones awaiting their acknowledgement included. Explicit:
 * a held task's latest state; for an unknown task, by its agent: unreachable (TASK_UNREACHABLE and
 * when), gone (TASK_GONE_BY_OPERATOR), registered (TASK_GONE) or unknown (TASK_UNKNOWN), or
 * TASK_LOST for frameworks without PARTITION_AWARE. While a newly elected master still waits for
 * that agent to reregister (or, with no agent given, for any), no answer, as in Mesos. Kept apart
 * from master-core.ts.
 */
import type { scheduler, TaskStatus } from '../codec/messages';
import type { AgentRecovery } from './agent-reregister-timeout';
import { type FrameworkRecord, hasCapability } from './master-frameworks';
import { masterTaskStatus, type TaskBook, type TaskRecord, taskKey } from './unacknowledged-tasks';
import { unknownTaskStatus } from './unknown-task-reconciliation';

/** What reconciliation reads of the master. */
export interface ReconciledMaster {
  readonly tasks: ReadonlyMap<string, TaskRecord>;
  readonly book: TaskBook;
  readonly agents: ReadonlyMap<string, unknown>;
  /** A newly elected master's wait for the agents of its registry (agent-reregister-timeout.ts). */
  readonly recovery?: Pick<AgentRecovery, 'awaits'>;
}

/** Answers a RECONCILE of `framework` through `answer`, one status per task. */
export function reconcileTasks(
  master: ReconciledMaster,
  framework: FrameworkRecord,
  wanted: readonly scheduler.Call.Reconcile.Task[],
  answer: (status: TaskStatus) => void,
): void {
  if (wanted.length === 0) {
    for (const task of master.tasks.values()) if (task.frameworkId === framework.id) answer(latestState(task));
    for (const task of master.book.unacknowledgedTasks(framework.id)) answer(latestState(task));
    return;
  }
  const partitionAware = hasCapability(framework.info, 'PARTITION_AWARE');
  for (const item of wanted) {
    const key = taskKey(framework.id, item.task_id.value);
    const task = master.tasks.get(key) ?? master.book.awaitingAck(key);
    if (task) answer(latestState(task));
    else if (master.recovery?.awaits(item.agent_id?.value)) {
      // Mesos drops it: the framework retries, and hears once the agent reregisters or is marked unreachable.
    } else {
      const agentKnown = item.agent_id !== undefined && master.agents.has(item.agent_id.value);
      answer(
        master.book.unknownTaskOnAgentThatLeft(item, partitionAware) ??
          unknownTaskStatus(item, partitionAware, agentKnown),
      );
    }
  }
}

/** The task's latest state, from the master, with the latest update's fields but not its uuid. */
function latestState(task: TaskRecord): TaskStatus {
  const base =
    task.lastStatus ?? masterTaskStatus(task, task.state, 'REASON_RECONCILIATION', 'Reconciliation: Latest task state');
  const { uuid: _noUuid, ...rest } = base;
  return {
    ...rest,
    state: task.state,
    reason: 'REASON_RECONCILIATION',
    source: 'SOURCE_MASTER',
    timestamp: Date.now() / 1000,
  };
}
