// The job master of one job: requests the slots, deploys every task, follows the tasks' state
// reports, restarts the job after a failure per its fixed-delay strategy, and cancels it. Taking
// over from a job master of the job that died, it first adopts or cancels what that one left
// running. For the web UI it keeps the tasks' record counts, the job's recent failures and its
// phase timeline.
// It knows the resource manager and the TaskManagers only through `SlotProvider` and
// `TaskDeployer`, and time only through a `Clock`.
import type { KeyValue } from '@mesoflow/dataflow-api';
import { systemClock, type Clock } from '@mesoflow/dataflow-runtime';
import type { CallOptions, SlotAllocation, SlotRequestProgress, WorkerList } from '@mesoflow/resourcemanager-client';
import { attemptKey, describeAttempt, type ExecutionAttemptId } from './attempt-id';
import { JobMasterError, JobMasterErrorCode, messageOf } from './errors';
import { buildDeploymentDescriptors, slotsNeeded, type TaskDeploymentDescriptor } from './execution-graph';
import type { DiscoveredTask, SlotProvider, TaskDeployer, TaskManagerLocation, TaskMetricsReport, TaskStateReport } from './ports';
import { decideRestart, restartStrategyOf, type FixedDelayRestartStrategy } from './restart-strategy';
import { isTerminalTaskState, jobTransition, taskTransition, type JobState, type TaskState } from './states';
import { within } from './within';
import type { mesoflow } from '@mesoflow/proto';

/** Why a job attempt failed: the first task failure (or slot or deploy failure) of that attempt. */
export interface JobFailure {
  /** A sentence; for a user function, the runtime's message naming operator, subtask and key. */
  readonly message: string;
  /** The job attempt (0-based) that failed. */
  readonly attempt: number;
  /** The failed task's vertex and subtask; absent when no task failed (e.g. no slots). */
  readonly vertexId?: string;
  readonly subtaskIndex?: number;
  readonly operatorId?: string;
  readonly operatorName?: string;
  readonly key?: KeyValue;
  readonly taskManagerId?: string;
  /** Clock time of the failure. */
  readonly atMs: number;
}

/** How a job ended. */
export interface JobResult {
  readonly jobId: string;
  readonly state: 'FINISHED' | 'FAILED' | 'CANCELED';
  /** Restarts made (attempts run minus one). */
  readonly restarts: number;
  /**
   * The number of the last attempt run: `firstAttempt + restarts`, or, when the job ended with an
   * attempt adopted from an earlier job master (`adoptPreviousRun`), that attempt's number.
   */
  readonly lastAttempt: number;
  /** FAILED: the last failure, the cause. CANCELED or FINISHED: the last failure, if any. */
  readonly failure?: JobFailure;
}

/** What the job is doing, for the CLI and the web UI. */
export type JobProgress =
  /**
   * With `adoptPreviousRun`, before anything else: the job's tasks were looked for on
   * `taskManagers` TaskManagers, and `previous` is the latest earlier attempt found (`found` of
   * its `total` tasks live or finished with all their records kept), `adopted` or else canceled.
   */
  | {
      readonly phase: 'taking-over';
      readonly taskManagers: number;
      /** Why the resource manager or a TaskManager told nothing: their tasks count as missing. */
      readonly unanswered: readonly string[];
      readonly previous?: { readonly attempt: number; readonly found: number; readonly total: number; readonly adopted: boolean };
    }
  /** Sent when the request goes out and on every update of the resource manager. */
  | { readonly phase: 'waiting-for-slots'; readonly attempt: number; readonly slotsNeeded: number; readonly request?: SlotRequestProgress }
  /** `deployed` of `total` tasks accepted by their TaskManagers. */
  | { readonly phase: 'deploying'; readonly attempt: number; readonly deployed: number; readonly total: number }
  /** Sent when a task starts running or finishes. */
  | { readonly phase: 'running'; readonly attempt: number; readonly running: number; readonly finished: number; readonly total: number }
  /** Waiting for `remaining` tasks to report CANCELED (after a failure or a cancel). */
  | { readonly phase: 'canceling-tasks'; readonly attempt: number; readonly remaining: number; readonly total: number }
  /** Attempt `nextAttempt` starts at `restartAtMs`. */
  | { readonly phase: 'restarting'; readonly nextAttempt: number; readonly delayMs: number; readonly restartAtMs: number };

/** What the job master is doing: `created` before `run()`, a {@link JobProgress} phase, or how the job ended. */
export type JobPhase = 'created' | JobProgress['phase'] | 'finished' | 'failed' | 'canceled';

/** One entry of the job's timeline: the job master moved on to `phase` at `atMs`. */
export interface PhaseChange {
  readonly atMs: number;
  readonly phase: JobPhase;
  /** E.g. `Attempt 1 requests 4 slot(s)`; for `failed`, the cause. */
  readonly detail?: string;
}

/** What a {@link JobMaster} tells its listeners. */
export type JobMasterEvent =
  | { readonly kind: 'job-state'; readonly jobId: string; readonly from: JobState; readonly to: JobState; readonly atMs: number; readonly failure?: JobFailure }
  | { readonly kind: 'task-state'; readonly attemptId: ExecutionAttemptId; readonly from: TaskState; readonly to: TaskState; readonly atMs: number }
  | { readonly kind: 'progress'; readonly jobId: string; readonly progress: JobProgress; readonly atMs: number }
  /** A task's record counts or rates changed (at most once per TaskManager report, about once a second per running task). */
  | { readonly kind: 'task-metrics'; readonly attemptId: ExecutionAttemptId; readonly recordsIn: number; readonly recordsOut: number; readonly atMs: number }
  /** Releasing an attempt's slots failed; the job goes on (the allocation is the resource manager's to reclaim). */
  | { readonly kind: 'release-failed'; readonly jobId: string; readonly allocationId: string; readonly message: string; readonly atMs: number };

/** One task of the current attempt, for status pages. */
export interface TaskSnapshot {
  readonly attemptId: ExecutionAttemptId;
  readonly state: TaskState;
  /** Once it has a slot. */
  readonly taskManagerId?: string;
  /** Records taken in and sent on so far, once its TaskManager reported them. */
  readonly recordsIn?: number;
  readonly recordsOut?: number;
  /** Per second between its TaskManager's last two reports; only while the task has not ended. */
  readonly recordsInPerSecond?: number;
  readonly recordsOutPerSecond?: number;
}

/** Options of {@link JobMaster}. */
export interface JobMasterOptions {
  /** Unique per submission; slot allocations are `${jobId}-attempt-${n}`. */
  readonly jobId: string;
  /** A validated job graph (`validateJobGraph`). */
  readonly graph: mesoflow.dataflow.v1.JobGraph.$Properties;
  readonly slots: SlotProvider;
  readonly deployer: TaskDeployer;
  /** Delays, timeouts and event times. @default the system clock */
  readonly clock?: Clock;
  /** @default the graph's `config.restart_strategy` */
  readonly restartStrategy?: FixedDelayRestartStrategy;
  /** How long CANCELING tasks have to report CANCELED before they count as CANCELED. @default 30000 */
  readonly cancelTimeoutMs?: number;
  /** Deadline of each slot request. @default the slot provider's */
  readonly slotRequestTimeoutMs?: number;
  /**
   * The number of the first attempt, and so of its slot allocation (`<jobId>-attempt-<n>`) and
   * execution ids. A job master that runs a job again after the previous one died starts past
   * every attempt the dead one could have made, so the scheduler and the TaskManagers never take
   * its attempts for the dead one's (see {@link firstAttemptOfRun}). @default 0
   */
  readonly firstAttempt?: number;
  /**
   * Take over from an earlier job master of the job that died (so `firstAttempt` is past its
   * attempts): before its first attempt, the job master asks every registered TaskManager for the
   * job's tasks. When every task of the latest earlier attempt is there, DEPLOYING, RUNNING or
   * FINISHED, with all its collected records kept, it adopts that attempt as its own, deploying
   * nothing: it follows those tasks to their end, releases their allocation, and restarts per its
   * strategy if one fails. Otherwise it cancels the tasks left and waits for their end before it
   * schedules, so that the two runs' side effects never overlap. A TaskManager that does not
   * answer makes nothing adoptable. Needs `slots.listWorkers` and `deployer.discover`.
   * @default false
   */
  readonly adoptPreviousRun?: boolean;
  /** How long the takeover waits for the resource manager's list of TaskManagers, and for each of them. @default 10000 */
  readonly discoveryTimeoutMs?: number;
}

/**
 * The first attempt number of the `run`-th job master of a job (1 for the first): each run
 * gets the numbers of its own restarts, past those of the runs before it.
 */
export function firstAttemptOfRun(run: number, graph: mesoflow.dataflow.v1.JobGraph.$Properties): number {
  const attemptsPerRun = restartStrategyOf(graph).attempts + 1;
  // Attempt numbers are uint32 on the wire.
  return Math.min((Math.max(run, 1) - 1) * attemptsPerRun, 2 ** 31);
}

/** Failures kept for {@link JobMaster.exceptions}. */
const MAX_EXCEPTIONS = 20;
/** Phase changes kept for {@link JobMaster.timeline}. */
const MAX_TIMELINE = 50;
/** How often a takeover asks the resource manager again while TaskManagers re-register. */
const REGISTRATION_POLL_MS = 250;

/** Phases in the order an attempt goes through them; the end phases come last. */
const PHASE_ORDER: Readonly<Record<JobPhase, number>> = {
  created: 0,
  'taking-over': 1,
  'waiting-for-slots': 2,
  deploying: 3,
  running: 4,
  'canceling-tasks': 5,
  restarting: 6,
  finished: 7,
  failed: 7,
  canceled: 7,
};

/** The states of a task an earlier job master left that let its attempt be adopted. */
const ADOPTABLE: ReadonlySet<TaskState> = new Set(['DEPLOYING', 'RUNNING', 'FINISHED']);

/** A task's last record counts, and its rates once two reports came. */
interface TaskRecords {
  readonly recordsIn: number;
  readonly recordsOut: number;
  /** The TaskManager's time of the counts. */
  readonly atMs: number;
  readonly recordsInPerSecond?: number;
  readonly recordsOutPerSecond?: number;
}

type AttemptOutcome = { readonly kind: 'finished' } | { readonly kind: 'failed'; readonly failure: JobFailure } | { readonly kind: 'canceled' };

interface Execution {
  readonly id: ExecutionAttemptId;
  /** For messages. */
  readonly what: string;
  state: TaskState;
  /** Once it has a slot. */
  taskManagerId?: string;
  records?: TaskRecords;
}

/** A task an earlier job master left, and where. */
type FoundTask = DiscoveredTask & { readonly taskManagerId: string };

/** What `adoptPreviousRun` needs of the slot provider and the deployer. */
interface Discovery {
  listWorkers(options: CallOptions): Promise<WorkerList>;
  discover(taskManager: TaskManagerLocation, jobId: string, timeoutMs: number): Promise<DiscoveredTask[]>;
}

/** One attempt of the whole job: its tasks and its slot allocation. */
class JobAttempt {
  readonly executions = new Map<string, Execution>();
  readonly outcome = new Deferred<AttemptOutcome>();
  allTerminal: Deferred<void> | undefined;
  /** Set once the slot request went out: from then on the allocation must be released. */
  requested = false;
  deployed = 0;

  constructor(
    readonly number: number,
    readonly allocationId: string,
  ) {}

  count(state: TaskState): number {
    let n = 0;
    for (const execution of this.executions.values()) if (execution.state === state) n++;
    return n;
  }

  get allTerminalNow(): boolean {
    return [...this.executions.values()].every((e) => isTerminalTaskState(e.state));
  }
}

/**
 * The job master of one job (Flink's JobMaster with its scheduler and ExecutionGraph, for one
 * slot sharing group and whole-job restarts). `run()` drives the job to its end; the TaskManagers'
 * state reports come in through `reportTaskState`, their record counts through
 * `reportTaskMetrics`; `cancel()` stops it. Job states are Flink's:
 * CREATED → RUNNING → FINISHED, or → FAILING → RESTARTING → RUNNING (per the fixed-delay
 * strategy) or → FAILED, and CANCELLING → CANCELED from any live state. Slots are released in
 * every end state.
 */
export class JobMaster {
  /** The job's id. */
  readonly jobId: string;
  private readonly graph: mesoflow.dataflow.v1.JobGraph.$Properties;
  private readonly slots: SlotProvider;
  private readonly deployer: TaskDeployer;
  private readonly clock: Clock;
  private readonly strategy: FixedDelayRestartStrategy;
  private readonly cancelTimeoutMs: number;
  private readonly slotRequestTimeoutMs: number | undefined;
  private readonly firstAttempt: number;
  private readonly discovery: Discovery | undefined;
  private readonly discoveryTimeoutMs: number;
  private readonly needed: number;
  private readonly listeners = new Set<(event: JobMasterEvent) => void>();
  /** Aborted by `cancel()`: stops a pending slot request and the restart delay. */
  private readonly stopping = new AbortController();
  private jobState: JobState = 'CREATED';
  private current: JobAttempt | undefined;
  /** Attempts of earlier job masters being canceled before the first attempt of this one. */
  private leftovers: readonly JobAttempt[] = [];
  /** While the takeover looks for earlier tasks: their reports, applied once it knows them. */
  private backlog: (() => void)[] | undefined;
  private restartCount = 0;
  private lastFailure: JobFailure | undefined;
  private running: Promise<JobResult> | undefined;
  /** Newest first. */
  private readonly failures: JobFailure[] = [];
  /** Oldest first. */
  private readonly phases: PhaseChange[] = [];
  /** The attempt of the last entry of `phases`. */
  private phaseAttempt = 0;

  /**
   * @throws JobMasterError `INVALID_JOB` for a graph without vertices, `INVALID_OPTIONS` for
   * `adoptPreviousRun` without `slots.listWorkers` or `deployer.discover`.
   */
  constructor(options: JobMasterOptions) {
    this.jobId = options.jobId;
    this.graph = options.graph;
    this.slots = options.slots;
    this.deployer = options.deployer;
    this.clock = options.clock ?? systemClock;
    this.strategy = options.restartStrategy ?? restartStrategyOf(options.graph);
    this.cancelTimeoutMs = options.cancelTimeoutMs ?? 30_000;
    this.slotRequestTimeoutMs = options.slotRequestTimeoutMs;
    this.firstAttempt = options.firstAttempt ?? 0;
    this.discovery = discoveryOf(options);
    this.discoveryTimeoutMs = options.discoveryTimeoutMs ?? 10_000;
    this.needed = slotsNeeded(options.graph);
    this.enterPhase('created', this.firstAttempt);
    // Last: the deployer may report as soon as it is attached.
    this.deployer.attach?.(this);
  }

  /** The job's state now. */
  get state(): JobState {
    return this.jobState;
  }

  /** Restarts made so far. */
  get restarts(): number {
    return this.restartCount;
  }

  /** The slots each attempt requests: the widest vertex's parallelism (slot sharing). */
  get slotsNeeded(): number {
    return this.needed;
  }

  /** The tasks of the current attempt (maybe an adopted one), in graph order, with their record counts; empty before `run()`. */
  tasks(): TaskSnapshot[] {
    return [...(this.current?.executions.values() ?? [])].map((e) => ({
      attemptId: e.id,
      state: e.state,
      taskManagerId: e.taskManagerId,
      ...recordsOf(e),
    }));
  }

  /**
   * The job's failures, newest first, at most the last 20, of every attempt: each task that
   * failed (with the operator and key when a user function threw), and each attempt that failed
   * without a task failing (no slots).
   */
  exceptions(): readonly JobFailure[] {
    return [...this.failures];
  }

  /** The job master's phase changes, oldest first, at most the last 50; ends with how the job ended. */
  timeline(): readonly PhaseChange[] {
    return [...this.phases];
  }

  /** Calls `listener` for every event from now on; returns a function that stops that. */
  onEvent(listener: (event: JobMasterEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Runs the job to its end: FINISHED when every task finished, FAILED when a failure came with
   * no restart left (the last failure as cause), CANCELED after `cancel()`. Never rejects for a
   * job failure.
   * @throws JobMasterError `ILLEGAL_STATE` when called twice.
   */
  run(): Promise<JobResult> {
    if (this.running !== undefined) {
      throw new JobMasterError(JobMasterErrorCode.ILLEGAL_STATE, `Job '${this.jobId}' is already running or has run`);
    }
    this.running = this.execute();
    return this.running;
  }

  /**
   * Cancels the job: stops waiting for slots or for a restart, cancels every task, releases the
   * slots and ends CANCELED. No-op in CANCELLING and in end states. `run()` resolves once done.
   */
  cancel(): void {
    switch (this.jobState) {
      case 'CREATED':
        this.setJobState('CANCELLING');
        this.setJobState('CANCELED');
        return;
      case 'RUNNING':
      case 'FAILING':
      case 'RESTARTING':
        this.setJobState('CANCELLING');
        this.stopping.abort();
        this.current?.outcome.resolve({ kind: 'canceled' });
        return;
      case 'CANCELLING':
      case 'FINISHED':
      case 'FAILED':
      case 'CANCELED':
        return;
    }
  }

  /**
   * A TaskManager's report of a task's new state. Returns false (and changes nothing) for a task
   * of another job, of an earlier attempt, or unknown; a repeated report of the current state is
   * a no-op. FINISHED or FAILED of a task being cancelled counts as CANCELED (the task ended
   * before the cancel reached it). While the takeover looks for an earlier job master's tasks,
   * their reports wait until it knows them.
   * @throws JobMasterError `ILLEGAL_TRANSITION` for a change the task state machine does not allow.
   */
  reportTaskState(report: TaskStateReport): boolean {
    const id = report.attemptId;
    const found = this.executionOf(id);
    if (found === undefined) return this.defer(id, () => this.reportTaskState(report));
    const { run, execution } = found;
    if (execution.state === report.state) return true;
    if (execution.state === 'CANCELING' && report.state !== 'CANCELED') {
      if (report.state !== 'RUNNING') this.setTaskState(run, execution, 'CANCELED');
      return true;
    }
    this.setTaskState(run, execution, report.state);
    switch (report.state) {
      case 'RUNNING':
      case 'FINISHED':
        if (!run.outcome.settled) {
          this.progress({ phase: 'running', attempt: run.number, running: run.count('RUNNING'), finished: run.count('FINISHED'), total: run.executions.size });
          if (run.count('FINISHED') === run.executions.size) run.outcome.resolve({ kind: 'finished' });
        }
        break;
      case 'FAILED':
        this.failAttempt(run, {
          message: report.failure?.message ?? `Task ${execution.what} failed`,
          attempt: run.number,
          vertexId: id.vertexId,
          subtaskIndex: id.subtaskIndex,
          operatorId: report.failure?.operatorId,
          operatorName: report.failure?.operatorName,
          key: report.failure?.key,
          taskManagerId: execution.taskManagerId,
          atMs: this.clock.now(),
        });
        break;
      case 'CANCELED':
        break;
    }
    return true;
  }

  /**
   * A TaskManager's report of a task's record counts. Rates are the change since the task's
   * previous report over the time between the two (the TaskManager's clock). Emits `task-metrics`
   * when counts or rates changed. Returns false for a task of another job, of an earlier
   * attempt, or unknown; during the takeover, as `reportTaskState`.
   */
  reportTaskMetrics(report: TaskMetricsReport): boolean {
    const execution = this.executionOf(report.attemptId)?.execution;
    if (execution === undefined) return this.defer(report.attemptId, () => this.reportTaskMetrics(report));
    const last = execution.records;
    const { recordsIn, recordsOut, atMs } = report;
    let next: TaskRecords;
    if (last === undefined) {
      next = { recordsIn, recordsOut, atMs };
    } else if (atMs > last.atMs) {
      const seconds = (atMs - last.atMs) / 1000;
      next = { recordsIn, recordsOut, atMs, recordsInPerSecond: (recordsIn - last.recordsIn) / seconds, recordsOutPerSecond: (recordsOut - last.recordsOut) / seconds };
    } else {
      // No time between the two reports to divide by: the counts change, the rates stay.
      next = { ...last, recordsIn, recordsOut };
    }
    execution.records = next;
    const changed =
      last === undefined ||
      next.recordsIn !== last.recordsIn ||
      next.recordsOut !== last.recordsOut ||
      next.recordsInPerSecond !== last.recordsInPerSecond ||
      next.recordsOutPerSecond !== last.recordsOutPerSecond;
    if (changed) this.emit({ kind: 'task-metrics', attemptId: execution.id, recordsIn, recordsOut, atMs: this.clock.now() });
    return true;
  }

  /** The task `id` of the current attempt or of a leftover; undefined for another job, an earlier attempt, or an unknown task. */
  private executionOf(id: ExecutionAttemptId): { run: JobAttempt; execution: Execution } | undefined {
    if (id.jobId !== this.jobId) return undefined;
    const run = [this.current, ...this.leftovers].find((candidate) => candidate?.number === id.attempt);
    const execution = run?.executions.get(attemptKey(id));
    return run === undefined || execution === undefined ? undefined : { run, execution };
  }

  /** Keeps the report of an earlier job master's task for the takeover; false when there is none going on. */
  private defer(id: ExecutionAttemptId, apply: () => void): boolean {
    if (this.backlog === undefined || id.jobId !== this.jobId || id.attempt >= this.firstAttempt) return false;
    this.backlog.push(apply);
    return true;
  }

  private async execute(): Promise<JobResult> {
    if (this.jobState === 'CANCELED') return this.result('CANCELED');
    this.setJobState('RUNNING');
    const adopted = this.discovery === undefined ? undefined : await this.takeOver(this.discovery);
    if (adopted === undefined && this.cancelling()) return this.end('CANCELED');
    let run = adopted ?? this.startAttempt(this.firstAttempt);
    for (;;) {
      const outcome = await run.outcome.promise;
      if (outcome.kind === 'finished') {
        await this.release(run);
        return this.end('FINISHED');
      }
      if (outcome.kind === 'failed') {
        this.lastFailure = outcome.failure;
        if (this.jobState === 'RUNNING') this.setJobState('FAILING', outcome.failure);
      }
      await this.cancelTasks(run);
      if (this.cancelling()) {
        await this.release(run);
        return this.end('CANCELED');
      }
      const decision = decideRestart(this.strategy, this.restartCount);
      if (!decision.restart) {
        await this.release(run);
        return this.end('FAILED');
      }
      this.setJobState('RESTARTING');
      // After an adopted attempt, this job master's own come next.
      const next = Math.max(run.number + 1, this.firstAttempt);
      const restartAtMs = this.clock.now() + decision.delayMs;
      this.progress({ phase: 'restarting', nextAttempt: next, delayMs: decision.delayMs, restartAtMs });
      await sleep(this.clock, decision.delayMs, this.stopping.signal);
      // The old slots are released only now, after the delay, and requested anew under a new id.
      await this.release(run);
      if (this.cancelling()) return this.end('CANCELED');
      this.restartCount++;
      this.setJobState('RUNNING');
      run = this.startAttempt(next);
    }
  }

  /**
   * Finds the tasks earlier job masters of the job left (`adoptPreviousRun`), cancels those it does
   * not adopt and waits for their end, and answers the attempt it adopted, if any.
   */
  private async takeOver(discovery: Discovery): Promise<JobAttempt | undefined> {
    this.backlog = [];
    const { taskManagers, found, unanswered } = await this.discoverEarlierTasks(discovery);
    const attempts = this.earlierAttempts(found);
    const [latest] = attempts;
    const adopted = latest !== undefined && unanswered.length === 0 && !this.cancelling() && this.isWhole(latest, found) ? latest : undefined;
    const previous = latest === undefined ? undefined : { attempt: latest.number, found: this.count(latest, found), total: this.executionIds(latest.number).length, adopted: adopted !== undefined };
    this.progress({ phase: 'taking-over', taskManagers, unanswered, ...(previous === undefined ? {} : { previous }) });
    this.current = adopted;
    this.leftovers = adopted === undefined ? attempts : attempts.slice(1);
    for (const run of this.leftovers) run.outcome.resolve({ kind: 'canceled' });
    if (adopted !== undefined) this.adopt(adopted);
    this.applyBacklog();
    await Promise.all(
      this.leftovers.map(async (run) => {
        await this.cancelTasks(run);
        await this.release(run);
      }),
    );
    this.leftovers = [];
    return adopted;
  }

  /** The reports that came while the takeover looked for the tasks, now that it knows them. */
  private applyBacklog(): void {
    const backlog = this.backlog ?? [];
    this.backlog = undefined;
    for (const apply of backlog) {
      try {
        apply();
      } catch {
        // A report the task state machine refuses changes nothing, as when it comes live.
      }
    }
  }

  /**
   * The job's tasks of earlier attempts on every TaskManager, each asked within the discovery
   * timeout. A resource manager that has just restarted lists its launched workers before their
   * TaskManagers register again, and one of those may hold the dead run's tasks: so it waits, within
   * the same timeout, until every launched worker's TaskManager is registered, and counts one that
   * is not by then as unanswered.
   */
  private async discoverEarlierTasks(discovery: Discovery): Promise<{ taskManagers: number; found: FoundTask[]; unanswered: string[] }> {
    const deadline = this.clock.now() + this.discoveryTimeoutMs;
    const unregistered = (list: WorkerList['workers']): WorkerList['workers'] => list.filter((worker) => worker.state === 'Launched' && worker.taskManager === undefined);
    let workers: WorkerList['workers'];
    for (;;) {
      const leftMs = Math.max(1, deadline - this.clock.now());
      try {
        ({ workers } = await within(this.clock, leftMs, discovery.listWorkers({ timeoutMs: leftMs, signal: this.stopping.signal })));
      } catch (error) {
        return { taskManagers: 0, found: [], unanswered: [`the resource manager did not list the TaskManagers: ${messageOf(error)}`] };
      }
      if (unregistered(workers).length === 0 || this.clock.now() >= deadline || this.stopping.signal.aborted) break;
      await sleep(this.clock, Math.min(REGISTRATION_POLL_MS, deadline - this.clock.now()), this.stopping.signal);
    }
    const locations = workers.flatMap((worker) => (worker.taskManager === undefined ? [] : [{ taskManagerId: worker.taskId, rpcAddress: worker.taskManager.rpcAddress }]));
    const answers = await Promise.all(locations.map((location) => this.discoverOn(discovery, location)));
    return {
      taskManagers: locations.length,
      found: answers.flatMap((answer) => answer.found),
      unanswered: [
        ...answers.flatMap((answer) => (answer.unanswered === undefined ? [] : [answer.unanswered])),
        ...unregistered(workers).map((worker) => `TaskManager '${worker.taskId}': not registered with the resource manager within ${this.discoveryTimeoutMs} ms`),
      ],
    };
  }

  /** The job's tasks of earlier attempts on one TaskManager, or why it told none. */
  private async discoverOn(discovery: Discovery, location: TaskManagerLocation): Promise<{ found: FoundTask[]; unanswered?: string }> {
    try {
      const tasks = await within(this.clock, this.discoveryTimeoutMs, discovery.discover(location, this.jobId, this.discoveryTimeoutMs));
      const earlier = tasks.filter((task) => task.attemptId.jobId === this.jobId && task.attemptId.attempt < this.firstAttempt);
      return { found: earlier.map((task) => ({ ...task, taskManagerId: location.taskManagerId })) };
    } catch (error) {
      return { found: [], unanswered: `TaskManager '${location.taskManagerId}' (${location.rpcAddress}): ${messageOf(error)}` };
    }
  }

  /**
   * The attempts `found` belongs to, the latest first, each with its tasks found, in graph order
   * and their found states; their allocations are the dead job master's, to release.
   */
  private earlierAttempts(found: readonly FoundTask[]): JobAttempt[] {
    const byKey = new Map(found.map((task) => [attemptKey(task.attemptId), task]));
    const numbers = [...new Set(found.map((task) => task.attemptId.attempt))].sort((a, b) => b - a);
    return numbers.map((number) => {
      const run = new JobAttempt(number, this.allocationIdOf(number));
      run.requested = true;
      for (const id of this.executionIds(number)) {
        const task = byKey.get(attemptKey(id));
        if (task !== undefined) run.executions.set(attemptKey(id), { id, what: describeAttempt(id), state: task.state, taskManagerId: task.taskManagerId });
      }
      return run;
    });
  }

  /** The tasks of `run` found live or finished with every record they collected. */
  private count(run: JobAttempt, found: readonly FoundTask[]): number {
    return found.filter((task) => task.attemptId.attempt === run.number && task.recordsComplete && ADOPTABLE.has(task.state)).length;
  }

  /** Every task of the graph is in `run`, live or finished, with every record it collected. */
  private isWhole(run: JobAttempt, found: readonly FoundTask[]): boolean {
    const total = this.executionIds(run.number).length;
    return run.executions.size === total && this.count(run, found) === total;
  }

  /** Follows `run`, an earlier job master's attempt, as this job master's own. */
  private adopt(run: JobAttempt): void {
    const finished = run.count('FINISHED');
    this.progress({ phase: 'running', attempt: run.number, running: run.count('RUNNING'), finished, total: run.executions.size });
    if (finished === run.executions.size) run.outcome.resolve({ kind: 'finished' });
  }

  private allocationIdOf(attempt: number): string {
    return `${this.jobId}-attempt-${attempt}`;
  }

  /** The tasks of an attempt: every subtask of every vertex, in graph order. */
  private executionIds(attempt: number): ExecutionAttemptId[] {
    return (this.graph.vertices ?? []).flatMap((vertex) =>
      Array.from({ length: Math.max(1, vertex.parallelism ?? 1) }, (_, subtaskIndex) => ({ jobId: this.jobId, vertexId: vertex.id ?? '', subtaskIndex, attempt })),
    );
  }

  private startAttempt(number: number): JobAttempt {
    const run = new JobAttempt(number, this.allocationIdOf(number));
    for (const id of this.executionIds(number)) run.executions.set(attemptKey(id), { id, what: describeAttempt(id), state: 'CREATED' });
    this.current = run;
    this.schedule(run).catch((error: unknown) => {
      this.failAttempt(run, { message: `Scheduling attempt ${number} of job '${this.jobId}' failed: ${messageOf(error)}`, attempt: number, atMs: this.clock.now() });
    });
    return run;
  }

  private async schedule(run: JobAttempt): Promise<void> {
    for (const execution of run.executions.values()) this.setTaskState(run, execution, 'SCHEDULED');
    this.progress({ phase: 'waiting-for-slots', attempt: run.number, slotsNeeded: this.needed });
    let allocation: SlotAllocation;
    try {
      run.requested = true;
      allocation = await this.slots.requestSlots(
        { allocationId: run.allocationId, jobId: this.jobId, slots: this.needed },
        {
          signal: this.stopping.signal,
          timeoutMs: this.slotRequestTimeoutMs,
          onUpdate: (update) => {
            if (update.kind === 'progress' && !run.outcome.settled) {
              this.progress({ phase: 'waiting-for-slots', attempt: run.number, slotsNeeded: this.needed, request: update.progress });
            }
          },
        },
      );
    } catch (error) {
      this.failAttempt(run, {
        message: `Slot request '${run.allocationId}' of job '${this.jobId}' for ${this.needed} slot(s) failed: ${messageOf(error)}`,
        attempt: run.number,
        atMs: this.clock.now(),
      });
      return;
    }
    if (run.outcome.settled) return;
    const descriptors = buildDeploymentDescriptors({ jobId: this.jobId, graph: this.graph, allocation, attempt: run.number });
    const deployments = descriptors.map((descriptor) => {
      const execution = run.executions.get(attemptKey(descriptor.attemptId));
      if (execution === undefined) throw new JobMasterError(JobMasterErrorCode.ILLEGAL_STATE, `No task for ${describeAttempt(descriptor.attemptId)}`);
      execution.taskManagerId = descriptor.slot.taskManagerId;
      return { execution, descriptor };
    });
    for (const { execution } of deployments) this.setTaskState(run, execution, 'DEPLOYING');
    this.progress({ phase: 'deploying', attempt: run.number, deployed: 0, total: deployments.length });
    await Promise.all(deployments.map(({ execution, descriptor }) => this.deploy(run, execution, descriptor)));
  }

  private async deploy(run: JobAttempt, execution: Execution, descriptor: TaskDeploymentDescriptor): Promise<void> {
    try {
      await this.deployer.deploy(descriptor);
    } catch (error) {
      if (execution.state === 'DEPLOYING') {
        this.setTaskState(run, execution, 'FAILED');
        this.failAttempt(run, {
          message: `Deploying ${execution.what} to TaskManager '${descriptor.slot.taskManagerId}' (${descriptor.slot.rpcAddress}) failed: ${messageOf(error)}`,
          attempt: run.number,
          vertexId: execution.id.vertexId,
          subtaskIndex: execution.id.subtaskIndex,
          taskManagerId: descriptor.slot.taskManagerId,
          atMs: this.clock.now(),
        });
      } else if (execution.state === 'CANCELING') {
        // Never arrived, so no CANCELED will come from the TaskManager.
        this.setTaskState(run, execution, 'CANCELED');
      }
      return;
    }
    run.deployed++;
    if (!run.outcome.settled) this.progress({ phase: 'deploying', attempt: run.number, deployed: run.deployed, total: run.executions.size });
  }

  private failAttempt(run: JobAttempt, failure: JobFailure): void {
    // Every task failure is kept; one without a task (a slot request) only when it fails the
    // attempt: after a cancel, the aborted slot request's failure is not the job's.
    if (failure.vertexId !== undefined || !run.outcome.settled) {
      this.failures.unshift(failure);
      if (this.failures.length > MAX_EXCEPTIONS) this.failures.pop();
    }
    run.outcome.resolve({ kind: 'failed', failure });
  }

  /** Cancels every live task of `run` and waits until all are terminal (or the cancel timeout). */
  private async cancelTasks(run: JobAttempt): Promise<void> {
    for (const execution of run.executions.values()) {
      switch (execution.state) {
        case 'CREATED':
        case 'SCHEDULED':
          this.setTaskState(run, execution, 'CANCELED');
          break;
        case 'DEPLOYING':
        case 'RUNNING':
          this.setTaskState(run, execution, 'CANCELING');
          void this.requestCancel(run, execution);
          break;
        case 'CANCELING':
        case 'FINISHED':
        case 'FAILED':
        case 'CANCELED':
          break;
      }
    }
    if (run.allTerminalNow) return;
    const remaining = run.count('CANCELING');
    this.progress({ phase: 'canceling-tasks', attempt: run.number, remaining, total: run.executions.size });
    const allTerminal = new Deferred<void>();
    run.allTerminal = allTerminal;
    const stopTimer = this.clock.setTimer(this.clock.now() + this.cancelTimeoutMs, () => {
      // Flink's task cancellation timeout: a TaskManager that does not answer is presumed gone.
      for (const execution of run.executions.values()) {
        if (execution.state === 'CANCELING') this.setTaskState(run, execution, 'CANCELED');
      }
    });
    await allTerminal.promise;
    stopTimer();
  }

  private async requestCancel(run: JobAttempt, execution: Execution): Promise<void> {
    try {
      await this.deployer.cancel(execution.id);
    } catch {
      // The TaskManager cannot be reached: nothing runs there for us any more.
      if (execution.state === 'CANCELING') this.setTaskState(run, execution, 'CANCELED');
    }
  }

  private async release(run: JobAttempt): Promise<void> {
    if (!run.requested) return;
    try {
      await this.slots.releaseSlots(run.allocationId);
    } catch (error) {
      this.emit({ kind: 'release-failed', jobId: this.jobId, allocationId: run.allocationId, message: messageOf(error), atMs: this.clock.now() });
    }
  }

  // A method, not a comparison on the field: awaits in between may have changed the state.
  private cancelling(): boolean {
    return this.jobState === 'CANCELLING';
  }

  private end(wanted: JobResult['state']): JobResult {
    // A cancel that came while the slots were being released wins.
    const state = this.cancelling() ? 'CANCELED' : wanted;
    this.setJobState(state, state === 'FAILED' ? this.lastFailure : undefined);
    return this.result(state);
  }

  private result(state: JobResult['state']): JobResult {
    return { jobId: this.jobId, state, restarts: this.restartCount, lastAttempt: this.current?.number ?? this.firstAttempt, failure: this.lastFailure };
  }

  private setJobState(to: JobState, failure?: JobFailure): void {
    const from = this.jobState;
    this.jobState = jobTransition(from, to, `job '${this.jobId}'`);
    const attempt = this.current?.number ?? 0;
    if (to === 'FINISHED') this.enterPhase('finished', attempt);
    if (to === 'FAILED') this.enterPhase('failed', attempt, failure?.message);
    if (to === 'CANCELED') this.enterPhase('canceled', attempt);
    this.emit({ kind: 'job-state', jobId: this.jobId, from, to, atMs: this.clock.now(), failure });
  }

  private setTaskState(run: JobAttempt, execution: Execution, to: TaskState): void {
    const from = execution.state;
    execution.state = taskTransition(from, to, execution.what);
    this.emit({ kind: 'task-state', attemptId: execution.id, from, to, atMs: this.clock.now() });
    if (run.allTerminal !== undefined && run.allTerminalNow) run.allTerminal.resolve();
  }

  private progress(progress: JobProgress): void {
    switch (progress.phase) {
      case 'taking-over':
        this.enterPhase(progress.phase, progress.previous?.attempt ?? this.firstAttempt, takingOverDetail(progress));
        break;
      case 'waiting-for-slots':
        this.enterPhase(progress.phase, progress.attempt, `Attempt ${progress.attempt} requests ${progress.slotsNeeded} slot(s)`);
        break;
      case 'deploying':
        this.enterPhase(progress.phase, progress.attempt, `Attempt ${progress.attempt} deploys ${progress.total} task(s)`);
        break;
      case 'running':
        this.enterPhase(progress.phase, progress.attempt, `Attempt ${progress.attempt} runs`);
        break;
      case 'canceling-tasks':
        this.enterPhase(progress.phase, progress.attempt, `Attempt ${progress.attempt} waits for ${progress.remaining} of ${progress.total} task(s) to cancel`);
        break;
      case 'restarting':
        this.enterPhase(progress.phase, progress.nextAttempt - 1, `Attempt ${progress.nextAttempt} starts in ${progress.delayMs} ms`);
        break;
    }
    this.emit({ kind: 'progress', jobId: this.jobId, progress, atMs: this.clock.now() });
  }

  /**
   * Adds `phase` to the timeline when the job master moved on to it. Within an attempt phases
   * only go forward: a deployment confirmed after the first task runs, or a repeated slot
   * request update, adds nothing.
   */
  private enterPhase(phase: JobPhase, attempt: number, detail?: string): void {
    const last = this.phases.at(-1);
    if (last !== undefined && attempt === this.phaseAttempt && PHASE_ORDER[phase] <= PHASE_ORDER[last.phase]) return;
    this.phaseAttempt = attempt;
    this.phases.push({ atMs: this.clock.now(), phase, ...(detail === undefined ? {} : { detail }) });
    if (this.phases.length > MAX_TIMELINE) this.phases.shift();
  }

  private emit(event: JobMasterEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch {
        // A listener's failure is its own; the job goes on.
      }
    }
  }
}

/** What `adoptPreviousRun` calls; undefined without it. */
function discoveryOf(options: JobMasterOptions): Discovery | undefined {
  if (options.adoptPreviousRun !== true) return undefined;
  const { slots, deployer } = options;
  if (slots.listWorkers === undefined || deployer.discover === undefined) {
    throw new JobMasterError(
      JobMasterErrorCode.INVALID_OPTIONS,
      `Job '${options.jobId}' cannot adopt a previous run: that needs a slot provider that lists the TaskManagers (listWorkers) and a deployer that discovers their tasks (discover)`,
    );
  }
  return { listWorkers: slots.listWorkers.bind(slots), discover: deployer.discover.bind(deployer) };
}

/** E.g. `Adopts attempt 3 found on 2 TaskManager(s): 5 of 5 task(s) live or finished with all their records`. */
function takingOverDetail({ taskManagers, unanswered, previous }: Extract<JobProgress, { phase: 'taking-over' }>): string {
  const where = `on ${taskManagers} TaskManager(s)`;
  const summary =
    previous === undefined
      ? `No earlier attempt found ${where}`
      : `${previous.adopted ? 'Adopts' : 'Cancels'} attempt ${previous.attempt} found ${where}: ${previous.found} of ${previous.total} task(s) live or finished with all their records`;
  return unanswered.length === 0 ? summary : `${summary}; unanswered: ${unanswered.join('; ')}`;
}

/** A task's counts, and its rates while it has not ended (an ended task's last rate would stay forever). */
function recordsOf(execution: Execution): Pick<TaskSnapshot, 'recordsIn' | 'recordsOut' | 'recordsInPerSecond' | 'recordsOutPerSecond'> {
  const records = execution.records;
  if (records === undefined) return {};
  const { recordsIn, recordsOut, recordsInPerSecond, recordsOutPerSecond } = records;
  if (isTerminalTaskState(execution.state) || recordsInPerSecond === undefined || recordsOutPerSecond === undefined) return { recordsIn, recordsOut };
  return { recordsIn, recordsOut, recordsInPerSecond, recordsOutPerSecond };
}

/** A promise with its resolve function, resolved at most once. */
class Deferred<T> {
  readonly promise: Promise<T>;
  settled = false;
  private settle: (value: T) => void = () => undefined;

  constructor() {
    this.promise = new Promise<T>((resolve) => {
      this.settle = resolve;
    });
  }

  resolve(value: T): void {
    if (this.settled) return;
    this.settled = true;
    this.settle(value);
  }
}

/** Resolves after `ms` of `clock` time, or at once when `signal` aborts. */
function sleep(clock: Clock, ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = (): void => {
      cancelTimer();
      signal.removeEventListener('abort', done);
      resolve();
    };
    const cancelTimer = clock.setTimer(clock.now() + ms, done);
    signal.addEventListener('abort', done, { once: true });
  });
}
