/** The libmesos `Scheduler` callback interface and `SchedulerDriver` method interface, over v1 types. */
import type {
  AgentID,
  ExecutorID,
  Filters,
  FrameworkID,
  FrameworkInfo,
  InverseOffer,
  KillPolicy,
  MasterInfo,
  Offer,
  OfferID,
  OperationStatus,
  Request,
  scheduler,
  TaskID,
  TaskInfo,
  TaskStatus,
} from '../codec/messages';
import type { Status } from './status';

/** What a callback may return: nothing, or a Promise the driver awaits before the next event. */
export type CallbackResult = void | Promise<void>;

/**
 * The framework's callbacks, as in libmesos, each optional (a missing one is a no-op). They run
 * one at a time in event order, with the scheduler as `this`; a callback that throws or rejects
 * aborts the driver.
 */
export interface Scheduler {
  /** First SUBSCRIBED of this driver instance (also when the FrameworkInfo already had an id). */
  registered?(driver: SchedulerDriver, frameworkId: FrameworkID, masterInfo: MasterInfo): CallbackResult;
  /** Every later SUBSCRIBED of this driver instance (after a disconnection). */
  reregistered?(driver: SchedulerDriver, masterInfo: MasterInfo): CallbackResult;
  /** The subscription was lost; the driver reconnects by itself. */
  disconnected?(driver: SchedulerDriver): CallbackResult;
  /** New offers (OFFERS). Offers held before a reconnection are dead. */
  resourceOffers?(driver: SchedulerDriver, offers: Offer[]): CallbackResult;
  /** An offer is no longer valid (RESCIND). */
  offerRescinded?(driver: SchedulerDriver, offerId: OfferID): CallbackResult;
  /** A task status update (UPDATE), or a synthetic one for a launch made while disconnected. */
  statusUpdate?(driver: SchedulerDriver, status: TaskStatus): CallbackResult;
  /** A message from an executor (MESSAGE). */
  frameworkMessage?(driver: SchedulerDriver, executorId: ExecutorID, agentId: AgentID, data: Buffer): CallbackResult;
  /** An agent was removed (FAILURE with only `agent_id`). */
  slaveLost?(driver: SchedulerDriver, agentId: AgentID): CallbackResult;
  /** An executor terminated (FAILURE with `executor_id`); `status` is the raw waitpid status. */
  executorLost?(driver: SchedulerDriver, executorId: ExecutorID, agentId: AgentID, status: number): CallbackResult;
  /** A fatal error (ERROR event, misuse); the driver is already aborted when this runs. */
  error?(driver: SchedulerDriver, message: string): CallbackResult;
  /** v1 only: maintenance inverse offers (INVERSE_OFFERS). */
  inverseOffers?(driver: SchedulerDriver, offers: InverseOffer[]): CallbackResult;
  /** v1 only: an inverse offer was rescinded (RESCIND_INVERSE_OFFER). */
  inverseOfferRescinded?(driver: SchedulerDriver, offerId: OfferID): CallbackResult;
  /** v1 only: feedback on an offer operation that had an `id` (UPDATE_OPERATION_STATUS). */
  operationStatusUpdate?(driver: SchedulerDriver, status: OperationStatus): CallbackResult;
  /** v1 only: a HEARTBEAT from the master. */
  heartbeat?(driver: SchedulerDriver): CallbackResult;
}

/** One offer id, or several (libmesos's deprecated single-offer overload is the first form). */
export type OfferIds = OfferID | readonly OfferID[];

/**
 * The libmesos driver methods. Each returns the driver {@link Status} at once; called when the
 * driver is not running, a method does nothing and returns the current status.
 */
export interface SchedulerDriver {
  /** Starts detection and subscription; returns DRIVER_RUNNING, or the current status if already started. */
  start(): Status;
  /** Stops; without `failover` the framework is torn down (TEARDOWN), with it the tasks keep running. */
  stop(failover?: boolean): Status;
  /** Stops callbacks and reconnection without tearing the framework down. */
  abort(): Status;
  /** Settles with the final status once the driver is stopped or aborted. */
  join(): Promise<Status>;
  /** `start()` then `join()`. */
  run(): Promise<Status>;
  /** REQUEST (ignored by Mesos's built-in allocator). */
  requestResources(requests: readonly Request[]): Status;
  /** ACCEPT with one LAUNCH operation; an empty task list declines the offers. */
  launchTasks(offerIds: OfferIds, tasks: readonly TaskInfo[], filters?: Filters): Status;
  /** KILL. */
  killTask(taskId: TaskID, killPolicy?: KillPolicy): Status;
  /** ACCEPT with the given operations. */
  acceptOffers(offerIds: OfferIds, operations: readonly Offer.Operation[], filters?: Filters): Status;
  /** DECLINE of one offer. */
  declineOffer(offerId: OfferID, filters?: Filters): Status;
  /** REVIVE: no argument = all roles; an empty list does nothing. */
  reviveOffers(roles?: readonly string[]): Status;
  /** SUPPRESS: no argument = all roles; an empty list does nothing. */
  suppressOffers(roles?: readonly string[]): Status;
  /** ACKNOWLEDGE (explicit acknowledgements only). */
  acknowledgeStatusUpdate(status: TaskStatus): Status;
  /** ACKNOWLEDGE_OPERATION_STATUS (explicit acknowledgements only). */
  acknowledgeOperationStatusUpdate(status: OperationStatus): Status;
  /** RECONCILE_OPERATIONS; answers arrive through `operationStatusUpdate`. */
  reconcileOperations(operations: readonly scheduler.Call.ReconcileOperations.Operation[]): Status;
  /** MESSAGE to an executor, through the master. */
  sendFrameworkMessage(executorId: ExecutorID, agentId: AgentID, data: Uint8Array | string): Status;
  /** RECONCILE; an empty list asks for every task (implicit reconciliation). */
  reconcileTasks(statuses: readonly TaskStatus[]): Status;
  /** UPDATE_FRAMEWORK; the new values are also used by every later SUBSCRIBE. */
  updateFramework(
    frameworkInfo: FrameworkInfo,
    suppressedRoles?: readonly string[],
    offerConstraints?: scheduler.OfferConstraints,
  ): Status;
  /** ACCEPT_INVERSE_OFFERS. */
  acceptInverseOffers(offerIds: readonly OfferID[], filters?: Filters): Status;
  /** DECLINE_INVERSE_OFFERS. */
  declineInverseOffers(offerIds: readonly OfferID[], filters?: Filters): Status;
}
