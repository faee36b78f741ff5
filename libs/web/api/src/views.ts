// The web UI's read API: what the dispatcher gateway answers under `/api/v1` on `rest.port`, and
// what the browser renders. Plain JSON shapes, shared by apps/dispatcher-gateway (which builds
// them from the job queue, the scheduler and its configuration) and apps/web-ui (which shows
// them), so the two cannot drift apart. Times are milliseconds since the epoch; 0 means not yet.

/** The dispatcher's job states (proto/mesoflow/dispatcher/v1/job_service.proto). */
export const JOB_STATES = ['ACCEPTED', 'RUNNING', 'FINISHED', 'FAILED', 'CANCELED'] as const;
export type JobStateName = (typeof JOB_STATES)[number];

/** `GET /api/v1/overview`: the first page. */
export interface OverviewView {
  /** The queue's cluster name (`high-availability.cluster-id`). */
  readonly cluster: string;
  /** Submit and cancel need a bearer token (`dispatcher.auth.token-file` is set). */
  readonly authRequired: boolean;
  /** Undefined when the scheduler cannot be reached; `schedulerError` then says why. */
  readonly framework?: FrameworkView;
  readonly schedulerError?: string;
  readonly taskManagers: { readonly registered: number; readonly slotsTotal: number; readonly slotsFree: number };
  readonly workers: { readonly desired: number; readonly launched: number; readonly pending: number };
  /** How many jobs are in each state, over the jobs the gateway lists (the newest 500). */
  readonly jobsByState: Readonly<Record<JobStateName, number>>;
  /** The newest failed jobs first, at most 10. */
  readonly recentFailures: readonly JobSummaryView[];
}

export interface FrameworkView {
  readonly name: string;
  /** Empty before the framework first subscribed. */
  readonly id: string;
  /** `mesos.master` as configured. */
  readonly master: string;
  /** The leading master the scheduler follows; empty when not subscribed. */
  readonly leader: string;
  readonly subscribed: boolean;
}

/** One row of `GET /api/v1/jobs?state=RUNNING&q=word&limit=50` (newest first). */
export interface JobSummaryView {
  readonly jobId: string;
  readonly submissionId: string;
  readonly jobName: string;
  readonly state: JobStateName;
  readonly submittedAtMs: number;
  readonly startedAtMs: number;
  readonly endedAtMs: number;
  readonly attempts: number;
  /** Why it failed, or how it was canceled; empty otherwise. */
  readonly failure: string;
  readonly cancelRequested: boolean;
}

/** `GET /api/v1/jobs/:jobId`. */
export interface JobDetailView extends JobSummaryView {
  /** The job graph as submitted; undefined when it cannot be decoded. */
  readonly graph?: JobGraphView;
  /** The tasks of the current attempt, as the job master last reported them. */
  readonly tasks: readonly TaskView[];
  /** The job's state changes and its job master's phases, oldest first. */
  readonly timeline: readonly TimelineEntry[];
  /** Failures of tasks, newest first, with the operator and key when a user function failed. */
  readonly exceptions: readonly ExceptionView[];
  /** FINISHED: what the collect sinks gathered, one JSON text per record. */
  readonly results: readonly { readonly operatorId: string; readonly records: readonly string[] }[];
}

export interface JobGraphView {
  readonly vertices: readonly {
    readonly id: string;
    /** The chained operators' names joined with ` -> `. */
    readonly name: string;
    readonly parallelism: number;
    readonly maxParallelism: number;
    readonly operators: readonly { readonly id: string; readonly name: string; readonly kind: string }[];
  }[];
  readonly edges: readonly {
    readonly source: string;
    readonly target: string;
    /** `FORWARD`, `REBALANCE`, `HASH`, `BROADCAST`, ... */
    readonly partitioning: string;
  }[];
}

export interface TaskView {
  readonly vertexId: string;
  readonly vertexName: string;
  readonly subtask: number;
  readonly parallelism: number;
  readonly attempt: number;
  /** `CREATED`, `SCHEDULED`, `DEPLOYING`, `RUNNING`, `FINISHED`, `CANCELING`, `CANCELED`, `FAILED`. */
  readonly state: string;
  /** The TaskManager's Mesos task id; undefined before it has a slot. */
  readonly taskManagerId?: string;
  /**
   * Records taken in (from inputs, or made by a source) and sent on (to outgoing edges, or
   * written by a sink) so far, once the TaskManager reported them (about every second).
   */
  readonly recordsIn?: number;
  readonly recordsOut?: number;
  /** Per second between the TaskManager's last two reports; absent once the task ended. */
  readonly recordsInPerSecond?: number;
  readonly recordsOutPerSecond?: number;
}

export interface TimelineEntry {
  readonly atMs: number;
  /** A job state (`ACCEPTED`, `RUNNING`, ...) or a job master phase (`waiting-for-slots`, `deploying`, `running`, `restarting`). */
  readonly state: string;
  readonly detail?: string;
}

export interface ExceptionView {
  readonly atMs: number;
  readonly message: string;
  readonly vertexName?: string;
  readonly subtask?: number;
  readonly operatorId?: string;
  readonly operatorName?: string;
  /** The record key as canonical JSON. */
  readonly keyJson?: string;
}

/** One row of `GET /api/v1/taskmanagers`: a worker of the scheduler and its TaskManager. */
export interface TaskManagerView {
  /** The Mesos task id, e.g. `taskmanager-00003`. */
  readonly taskId: string;
  /** The scheduler's record: `NEW`, `LAUNCHED`, `RELEASED`. */
  readonly workerState: string;
  /** The last Mesos task state, e.g. `TASK_RUNNING`; empty when none. */
  readonly taskState: string;
  readonly agentId: string;
  readonly hostname: string;
  readonly ports: readonly number[];
  readonly resources: { readonly cpus: number; readonly memMb: number; readonly diskMb: number; readonly gpus: number };
  readonly failureCount: number;
  readonly launchedAtMs: number;
  /** The Mesos web UI's page of the task's sandbox, when the framework and agent are known. */
  readonly sandboxUrl?: string;
  /** Undefined while no TaskManager is registered for the worker. */
  readonly taskManager?: {
    readonly rpcAddress: string;
    readonly dataAddress: string;
    readonly slotsTotal: number;
    readonly slotsFree: number;
    readonly heartbeatAgeMs: number;
    readonly registeredAtMs: number;
  };
  /** Its states so far, oldest first. */
  readonly history: readonly { readonly atMs: number; readonly state: string; readonly detail?: string }[];
}

/** `GET /api/v1/mesos`: the scheduler's dealings with the Mesos master. */
export interface MesosView {
  readonly framework: FrameworkView;
  readonly suppressed: boolean;
  readonly offers: { readonly received: number; readonly accepted: number; readonly declined: number; readonly rescinded: number };
  /** Offers per interval of `offerIntervalMs`, oldest first. */
  readonly offerHistory: readonly { readonly startMs: number; readonly received: number; readonly accepted: number; readonly declined: number }[];
  readonly offerIntervalMs: number;
  readonly pendingWorkers: number;
  readonly desiredWorkers: number;
  readonly reconciliationRounds: number;
  readonly resubscriptions: number;
  readonly failedTasks: number;
  /** `mesos.maximum-failed-tasks`; -1 means no limit. */
  readonly maximumFailedTasks: number;
  readonly startedAtMs: number;
}

/** One row of `GET /api/v1/config`: the gateway's effective configuration. */
export interface ConfigEntryView {
  readonly key: string;
  /** The value as text; `******` for a sensitive option that is set; undefined when unset. */
  readonly value?: string;
  /** Where the value came from: `default`, `file`, `environment`, `dynamic-property`, `programmatic`, or `unset`. */
  readonly source: string;
  /** The source in words, e.g. `conf/mesoflow-conf.yaml line 4` or `-D`. */
  readonly sourceText: string;
  readonly sensitive: boolean;
  readonly description: string;
}
