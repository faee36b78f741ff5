import { decodeJobGraph, validateJobGraph } from '@mesoflow/dataflow-api';
import { firstAttemptOfRun, GrpcTaskDeployer, JobMaster, type CollectedRecord, type JobMasterEvent, type SlotProvider, type TaskDeployer } from '@mesoflow/dataflow-jobmaster';
import type { JsonValue, RunContext } from '@mesoflow/dispatcher-submissions';
import type { Logger } from 'pino';
import type { JobProgress } from '../jobs/job-progress';
import type { JobOutcome } from '../jobs/job-view';
import { programArgsOf } from '../jobs/submit-request';

/** Runs one attempt of a queued job: what the gateway's `JobRunner` calls. */
export interface JobExecution {
  /** Resolves with the job's outcome; rejects when the job failed or was canceled (`context.signal`). */
  run(context: RunContext): Promise<JsonValue>;
  close(): Promise<void>;
}

/** A deployer the execution closes when the job ends. */
export type ClosableDeployer = TaskDeployer & { close(): Promise<void> };

/** What {@link JobMasterExecution} needs to build a job master per job. */
export interface JobMasterExecutionOptions {
  /** The scheduler's resource manager (a `SlotRequester` at `jobmanager.rpc.address:port`). */
  slots: SlotProvider;
  logger: Logger;
  /** @default a {@link GrpcTaskDeployer} with the submission's bundle and program arguments */
  newDeployer?: (options: { bundle: { url: string; sha256: string }; programArgs: string[]; onCollected: (record: CollectedRecord) => void }) => ClosableDeployer;
  /**
   * Where the TaskManagers fetch a submission's bundle. @default the submission's own URL; with high
   * availability, this master's artifact server (the one the URL names may be gone)
   */
  bundleUrl?: (bundle: { uri: string; sha256: string }) => Promise<string>;
  /** Deadline of each slot request. @default the slot provider's */
  slotRequestTimeoutMs?: number;
}

/**
 * Runs a job as Flink's dispatcher does: one {@link JobMaster} per job, slots from the resource
 * manager, tasks deployed to the TaskManagers with the job's bundle. Progress is a
 * {@link JobProgress}: the job master's phase, the count of tasks per state, each task with its
 * TaskManager and records, the phase timeline and the exceptions; the outcome is what the collect
 * sinks of the last attempt gathered. The run's signal cancels the job master.
 */
export class JobMasterExecution implements JobExecution {
  constructor(private readonly options: JobMasterExecutionOptions) {}

  async run(context: RunContext): Promise<JobOutcome> {
    const { jobId, submission } = context;
    const graph = decodeJobGraph(submission.jobGraph);
    validateJobGraph(graph);
    if (submission.bundle === undefined) throw new Error(`Job '${jobId}' has no program bundle, so TaskManagers cannot run it`);
    const records: CollectedRecord[] = [];
    const newDeployer =
      this.options.newDeployer ?? ((deployerOptions) => new GrpcTaskDeployer({ bundle: deployerOptions.bundle, programArgs: deployerOptions.programArgs, onCollected: deployerOptions.onCollected }));
    const url = this.options.bundleUrl ? await this.options.bundleUrl(submission.bundle) : submission.bundle.uri;
    const deployer = newDeployer({ bundle: { url, sha256: submission.bundle.sha256 }, programArgs: programArgsOf(submission), onCollected: (record) => records.push(record) });
    const master = new JobMaster({
      jobId,
      graph,
      // A run after a gateway died must not take the dead job master's slots or executions for its own.
      firstAttempt: firstAttemptOfRun(context.attempt, graph),
      // A later run follows what the dead one left running rather than running the job twice.
      adoptPreviousRun: context.attempt > 1,
      slots: this.options.slots,
      deployer,
      ...(this.options.slotRequestTimeoutMs === undefined ? {} : { slotRequestTimeoutMs: this.options.slotRequestTimeoutMs }),
    });
    const progress = new CoalescedProgress(context, this.options.logger);
    let phase = 'created';
    const stopListening = master.onEvent((event: JobMasterEvent) => {
      if (event.kind === 'progress') phase = event.progress.phase;
      if (event.kind === 'release-failed') this.options.logger.warn(`Job '${jobId}' could not release allocation '${event.allocationId}': ${event.message}`);
      progress.report(() => progressOf(master, phase));
    });
    const cancel = (): void => master.cancel();
    context.signal.addEventListener('abort', cancel, { once: true });
    if (context.signal.aborted) cancel();
    try {
      const result = await master.run();
      await progress.flush();
      switch (result.state) {
        case 'FINISHED':
          return { collected: collectedOf(records, result.lastAttempt) };
        case 'FAILED':
          throw new Error(result.failure?.message ?? `Job '${jobId}' failed`);
        case 'CANCELED':
          throw new Error(`Job '${jobId}' was canceled`);
      }
    } finally {
      context.signal.removeEventListener('abort', cancel);
      stopListening();
      await deployer.close();
    }
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

/** What `master` is doing now, `phase` being its last progress event's. */
function progressOf(master: JobMaster, phase: string): JobProgress {
  const snapshots = master.tasks();
  const tasks: Record<string, number> = {};
  for (const task of snapshots) tasks[task.state] = (tasks[task.state] ?? 0) + 1;
  return {
    jobMasterState: master.state,
    phase,
    restarts: master.restarts,
    tasks,
    taskList: snapshots.map((task) => ({
      vertexId: task.attemptId.vertexId,
      subtask: task.attemptId.subtaskIndex,
      attempt: task.attemptId.attempt,
      state: task.state,
      taskManagerId: task.taskManagerId,
      recordsIn: task.recordsIn,
      recordsOut: task.recordsOut,
      recordsInPerSecond: task.recordsInPerSecond,
      recordsOutPerSecond: task.recordsOutPerSecond,
    })),
    timeline: master.timeline().map((change) => ({ atMs: change.atMs, state: change.phase, detail: change.detail })),
    exceptions: master.exceptions().map((failure) => ({
      atMs: failure.atMs,
      message: failure.message,
      vertexId: failure.vertexId,
      subtask: failure.subtaskIndex,
      operatorId: failure.operatorId,
      operatorName: failure.operatorName,
      keyJson: failure.key === undefined ? undefined : JSON.stringify(failure.key),
    })),
  };
}

/** `progress` as the queue stores it: plain JSON, absent fields left out. */
function storedProgress(progress: JobProgress): Exclude<JsonValue, null> {
  return JSON.parse(JSON.stringify(progress)) as Exclude<JsonValue, null>;
}

/** The collect sinks' records of `attempt`, per operator id (earlier attempts' records are stale). */
export function collectedOf(records: readonly CollectedRecord[], attempt: number): { [operatorId: string]: string[] } {
  const collected: { [operatorId: string]: string[] } = {};
  for (const record of records) {
    if (record.attemptId.attempt !== attempt) continue;
    (collected[record.operatorId] ??= []).push(record.json);
  }
  return collected;
}

/**
 * Progress writes to Redis one at a time, the latest winning: a burst of task events (state
 * changes, each running task's metrics about once a second) makes one or two writes.
 */
class CoalescedProgress {
  private pending: (() => JobProgress) | undefined;
  private writing: Promise<void> | undefined;

  constructor(
    private readonly context: RunContext,
    private readonly logger: Logger,
  ) {}

  report(snapshot: () => JobProgress): void {
    this.pending = snapshot;
    this.writing ??= this.drain();
  }

  async flush(): Promise<void> {
    while (this.writing) await this.writing;
  }

  private async drain(): Promise<void> {
    try {
      while (this.pending) {
        const snapshot = storedProgress(this.pending());
        this.pending = undefined;
        await this.context.progress(snapshot).catch((error: unknown) => this.logger.warn({ err: error }, `Progress of job '${this.context.jobId}' could not be stored`));
      }
    } finally {
      this.writing = undefined;
    }
  }
}
