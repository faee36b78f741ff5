import type { ApplicationEnd, Deregistration, SchedulerStatus, WorkerView } from '../scheduler/worker-scheduler';

/**
 * What the resource manager needs of the Mesos side: how many TaskManagers to keep, a way to stop
 * one, the workers and their histories, the scheduler's status, and the end of the framework when
 * the application ends. {@link WorkerScheduler} is the real one.
 */
export interface WorkerFleet {
  /** Keeps `count` workers (New or Launched); more are recorded and launched, none is killed for it. */
  setDesiredWorkers(count: number): void;
  /**
   * Releases the worker and kills its Mesos task without counting a failure (an idle TaskManager
   * above the desired count). A worker that is not Launched is left alone.
   */
  releaseWorker(taskId: string, reason: string): Promise<void>;
  /**
   * Releases the worker as a failed task (counted against `mesos.maximum-failed-tasks`), kills its
   * task and replaces it while still needed: a TaskManager that never registered or stopped
   * heartbeating.
   */
  failWorker(taskId: string, reason: string): Promise<void>;
  /**
   * The workers the store holds are loaded (the first subscription was handled). Until then a
   * scheduler that just started, or took over as leader, cannot tell a TaskManager of its own from
   * a stranger, nor list its workers.
   */
  readonly workersLoaded: boolean;
  /** Every worker the store holds, with what Mesos last said about its task. */
  workerViews(): WorkerView[];
  /** One worker, without copying the others (the pool asks per registration and per timer). */
  workerView(taskId: string): WorkerView | undefined;
  /** Calls `listener` after every change of a worker (recorded, launched, task state, released). */
  onWorkerChange(listener: (worker: WorkerView) => void): () => void;
  /**
   * Adds what became of a worker's TaskManager to the worker's history (nothing for a worker the
   * fleet does not hold). `onWorkerChange` listeners are not called: the caller tells its own.
   */
  recordTaskManagerChange(taskId: string, state: 'REGISTERED' | 'LOST', detail: string): void;
  /** The Mesos side now: framework, master, offers, suppression, reconciliation, task failures. */
  schedulerStatus(): SchedulerStatus;
  /**
   * The application ended: stops every worker, tears the Mesos framework down and forgets it (see
   * `DeregisterApplication` in resource_manager.proto). Later calls return the first call's outcome.
   * @throws SchedulerError `NOT_RUNNING` when the fleet cannot deregister in its state (retry later).
   */
  deregisterApplication(end: ApplicationEnd): Promise<Deregistration>;
}
