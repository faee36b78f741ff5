// What the clients hand to their callers: the service's messages with every field present,
// camelCase names, and the worker state as a name. Mapped from the wire in messages.ts.

/** What a TaskManager offers (or a worker asks Mesos for). */
export interface TaskManagerResources {
  /** CPU shares, e.g. 0.5. */
  readonly cpus: number;
  /** Memory in MB. */
  readonly memMb: number;
  /** Sandbox disk in MB. */
  readonly diskMb: number;
  /** Whole GPUs. */
  readonly gpus: number;
  /** Network bandwidth in Mbps. */
  readonly networkMbps: number;
}

/**
 * A slot the TaskManager has in use, reported when it registers, so that a new scheduler leader
 * (which lost the allocations) adopts it instead of handing it out twice.
 */
export interface SlotInUse {
  /** 0-based, below the TaskManager's slot count. */
  readonly slotIndex: number;
  readonly allocationId: string;
  readonly jobId: string;
}

/** Where a pending slot request stands, and what the cluster has. */
export interface SlotRequestProgress {
  readonly slotsRequested: number;
  /** Pending requests served before this one. */
  readonly requestsAhead: number;
  /** Free slots of registered TaskManagers. */
  readonly freeSlots: number;
  readonly registeredTaskManagers: number;
  /** Workers recorded but not launched yet (waiting for a Mesos offer). */
  readonly workersPending: number;
  /** Workers launched on Mesos (registered or not). */
  readonly workersLaunched: number;
  /** How many workers the resource manager asks the scheduler to keep. */
  readonly desiredWorkers: number;
}

/** One slot of an allocation. */
export interface AllocatedSlot {
  /** The Mesos task ID of the TaskManager, e.g. `taskmanager-00003`. */
  readonly taskManagerId: string;
  /** `host:port` of its RPC endpoint (deploy tasks there). */
  readonly rpcAddress: string;
  /** `host:port` of its data exchange endpoint. */
  readonly dataAddress: string;
  /** 0-based index of the slot within its TaskManager. */
  readonly slotIndex: number;
}

/** Slots granted to a request, all together. */
export interface SlotAllocation {
  readonly allocationId: string;
  readonly jobId: string;
  /** The slots held. */
  readonly slots: readonly AllocatedSlot[];
  /**
   * Slots taken back because their TaskManager was lost, restarted or released; the job should
   * release the allocation and request anew.
   */
  readonly withdrawn: readonly AllocatedSlot[];
  /** When it was allocated, ms since the Unix epoch. */
  readonly allocatedAtMs: number;
}

/** What {@link SlotRequester.releaseSlots} did. */
export interface ReleaseResult {
  /** Slots freed; 0 for a pending request withdrawn, or an unknown or released ID. */
  readonly releasedSlots: number;
  /** True when a pending request was withdrawn. */
  readonly requestWithdrawn: boolean;
}

/** The scheduler's record of a worker: `New` (waiting for an offer), `Launched`, `Released` (terminal). */
export type WorkerState = 'New' | 'Launched' | 'Released' | 'Unspecified';

/** A TaskManager registered with the resource manager. */
export interface TaskManagerInfo {
  readonly rpcAddress: string;
  readonly dataAddress: string;
  readonly slotsTotal: number;
  readonly slotsFree: number;
  /** Time since its last heartbeat (or its registration) when the list was made. */
  readonly lastHeartbeatAgeMs: number;
  readonly registeredAtMs: number;
  /** What it reported. */
  readonly resources: TaskManagerResources;
  readonly instanceId: string;
}

/** One entry of a worker's history. */
export interface WorkerStateChange {
  /** When, ms since the Unix epoch. */
  readonly atMs: number;
  /**
   * `NEW` (recorded), `LAUNCHED`, `RELEASED`, a Mesos task state such as `TASK_RUNNING`, or
   * `REGISTERED`/`LOST` for its TaskManager.
   */
  readonly state: string;
  /** Why, when known (e.g. the Mesos reason and message). */
  readonly detail?: string;
}

/** A worker of the scheduler, with its TaskManager when registered. */
export interface WorkerInfo {
  /** The Mesos task ID, e.g. `taskmanager-00003`. */
  readonly taskId: string;
  readonly state: WorkerState;
  /** The last task state Mesos reported, e.g. `TASK_RUNNING`; empty when none. */
  readonly taskState: string;
  readonly agentId: string;
  readonly hostname: string;
  readonly ports: readonly number[];
  /** What the worker asked Mesos for. */
  readonly resources: TaskManagerResources;
  readonly failureCount: number;
  /** When its LAUNCH went out; 0 before. */
  readonly launchedAtMs: number;
  /** Absent while its TaskManager is not registered. */
  readonly taskManager: TaskManagerInfo | undefined;
  /**
   * Its states so far, oldest first, at most the last 20. The scheduler keeps them in memory: after
   * it restarts (or another becomes leader) a worker's history starts over with its stored state.
   */
  readonly history: readonly WorkerStateChange[];
  /** The Mesos framework its task belongs to (for the sandbox link); empty before the scheduler first subscribed. */
  readonly frameworkId: string;
}

/** Every worker the scheduler holds. */
export interface WorkerList {
  /** In task ID order. */
  readonly workers: readonly WorkerInfo[];
  readonly desiredWorkers: number;
}

/** What {@link SlotRequester.watchWorkers} yields: the full list first (again after a reconnect), then changed workers. */
export type WorkerWatchEvent =
  | { readonly kind: 'snapshot'; readonly list: WorkerList }
  | { readonly kind: 'changed'; readonly worker: WorkerInfo };

/** How the application ended (Flink's ApplicationStatus), as {@link SlotRequester.deregisterApplication} tells the scheduler. */
export type ApplicationStatus = 'SUCCEEDED' | 'FAILED' | 'CANCELED' | 'UNKNOWN';

/** What {@link SlotRequester.deregisterApplication} tells the scheduler. */
export interface ApplicationEnd {
  readonly status: ApplicationStatus;
  /** Why it ended (e.g. the job's failure cause), for the scheduler's log. @default '' */
  readonly diagnostics?: string;
}

/** What {@link SlotRequester.deregisterApplication} did. */
export interface ApplicationDeregistration {
  /** The framework the scheduler ran as; empty when it never had one. */
  readonly frameworkId: string;
  /** True when the Mesos master accepted the TEARDOWN; false when the scheduler had no subscription in time. */
  readonly tornDown: boolean;
}

/** Offer counts of one interval of {@link SchedulerStatusInfo.offerHistory}. */
export interface OfferInterval {
  /** Start of the interval, ms since the Unix epoch. */
  readonly startMs: number;
  readonly received: number;
  readonly accepted: number;
  readonly declined: number;
}

/**
 * The scheduler's view of Mesos (what {@link SlotRequester.getSchedulerStatus} returns). The counts
 * are since the scheduler process started.
 */
export interface SchedulerStatusInfo {
  /** `mesos.resourcemanager.framework.name`. */
  readonly frameworkName: string;
  /** Empty before the first SUBSCRIBED. */
  readonly frameworkId: string;
  /** `mesos.master` as configured (`host:port`, a `zk://` URL or a list). */
  readonly master: string;
  /** `host:port` of the leading master it is subscribed to; empty when not subscribed. */
  readonly leader: string;
  readonly subscribed: boolean;
  /** Offers are suppressed: no worker waits for resources. */
  readonly suppressed: boolean;
  readonly offersReceived: number;
  readonly offersAccepted: number;
  readonly offersDeclined: number;
  readonly offersRescinded: number;
  /** Offers per interval of `offerHistoryIntervalMs`, oldest first, at most 60. */
  readonly offerHistory: readonly OfferInterval[];
  readonly offerHistoryIntervalMs: number;
  /** Workers recorded and waiting for an offer. */
  readonly pendingWorkers: number;
  readonly desiredWorkers: number;
  readonly reconciliationRounds: number;
  readonly resubscriptions: number;
  /** Failed TaskManager tasks so far. */
  readonly failedTasks: number;
  /** `mesos.maximum-failed-tasks`; -1 for no limit. */
  readonly maximumFailedTasks: number;
  /** When the scheduler started, ms since the Unix epoch. */
  readonly startedAtMs: number;
}
