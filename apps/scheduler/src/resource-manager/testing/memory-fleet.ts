import type { ApplicationEnd, Clock, Deregistration, SchedulerStatus, WorkerView } from '../../scheduler/worker-scheduler';
import type { WorkerFleet } from '../worker-fleet';

/** The framework every worker of a {@link MemoryFleet} belongs to. */
export const MEMORY_FRAMEWORK_ID = 'memory-framework';

/**
 * An in-memory {@link WorkerFleet}: it stands in for the Mesos side (the WorkerScheduler, which the
 * scheduler's integration test runs against the local Mesos stand-in). Workers are launched when
 * the test says so; releases and failures take effect at once. Histories hold only what the
 * resource manager records (REGISTERED, LOST).
 */
export class MemoryFleet implements WorkerFleet {
  desired = 0;
  /** Settable: a fleet that has not loaded its workers yet. */
  workersLoaded = true;
  /** What {@link schedulerStatus} answers, besides the desired and pending workers; set freely. */
  status: Omit<SchedulerStatus, 'desiredWorkers' | 'pendingWorkers'> = {
    frameworkName: 'memory',
    frameworkId: MEMORY_FRAMEWORK_ID,
    master: 'memory:5050',
    leader: 'memory:5050',
    subscribed: true,
    suppressed: false,
    startedAtMs: 0,
    offersReceived: 0,
    offersAccepted: 0,
    offersDeclined: 0,
    offersRescinded: 0,
    offerHistory: [],
    offerHistoryIntervalMs: 10_000,
    reconciliationRounds: 0,
    resubscriptions: 0,
    failedTasks: 0,
    maximumFailedTasks: -1,
  };
  readonly released: string[] = [];
  readonly failed: string[] = [];
  /** What each deregisterApplication call was told. */
  readonly ends: ApplicationEnd[] = [];
  private deregistration: Deregistration | undefined;
  private readonly workers = new Map<string, WorkerView>();
  private readonly listeners = new Set<(worker: WorkerView) => void>();
  private counter = 0;

  constructor(private readonly clock: Clock) {}

  setDesiredWorkers(count: number): void {
    this.desired = count;
    this.topUp();
    // Like the scheduler: New workers beyond the count are dropped, Launched ones stay.
    let surplus = this.live().length - count;
    for (const worker of [...this.workers.values()].reverse()) {
      if (surplus <= 0) break;
      if (worker.state !== 'New') continue;
      this.change({ ...worker, state: 'Released' });
      surplus--;
    }
  }

  releaseWorker(taskId: string): Promise<void> {
    const worker = this.workers.get(taskId);
    if (worker?.state === 'Launched') {
      this.released.push(taskId);
      this.change({ ...worker, state: 'Released', taskState: undefined });
    }
    return Promise.resolve();
  }

  failWorker(taskId: string): Promise<void> {
    const worker = this.workers.get(taskId);
    if (worker?.state === 'Launched') {
      this.failed.push(taskId);
      this.change({ ...worker, state: 'Released', failureCount: worker.failureCount + 1, taskState: undefined });
      this.topUp();
    }
    return Promise.resolve();
  }

  workerViews(): WorkerView[] {
    return [...this.workers.values()];
  }

  workerView(taskId: string): WorkerView | undefined {
    return this.workers.get(taskId);
  }

  onWorkerChange(listener: (worker: WorkerView) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  recordTaskManagerChange(taskId: string, state: 'REGISTERED' | 'LOST', detail: string): void {
    const worker = this.workers.get(taskId);
    if (worker) this.workers.set(taskId, { ...worker, history: [...worker.history, { atMs: this.clock.now(), state, detail }] });
  }

  schedulerStatus(): SchedulerStatus {
    return { ...this.status, desiredWorkers: this.desired, pendingWorkers: this.workerViews().filter((worker) => worker.state === 'New').length };
  }

  /** Releases every worker; the first call's outcome answers the later ones. */
  deregisterApplication(end: ApplicationEnd): Promise<Deregistration> {
    this.ends.push(end);
    if (!this.deregistration) {
      for (const worker of this.live()) this.change({ ...worker, state: 'Released', taskState: undefined });
      this.deregistration = { frameworkId: MEMORY_FRAMEWORK_ID, tornDown: true };
    }
    return Promise.resolve(this.deregistration);
  }

  /** Launches every New worker (as if offers came) and returns their task IDs. */
  launchAll(): string[] {
    return [...this.workers.values()]
      .filter((worker) => worker.state === 'New')
      .map((worker) => {
        this.change({ ...worker, state: 'Launched', agentId: 'a1', hostname: 'host-1', ports: [31000], launchedAt: this.clock.now(), taskState: 'TASK_RUNNING' });
        return worker.taskId;
      });
  }

  /** The task ended on its own (e.g. TASK_LOST): released, as the scheduler records it. */
  lose(taskId: string): void {
    const worker = this.workers.get(taskId);
    if (worker) this.change({ ...worker, state: 'Released', failureCount: worker.failureCount + 1, taskState: undefined });
  }

  live(): WorkerView[] {
    return [...this.workers.values()].filter((worker) => worker.state !== 'Released');
  }

  private topUp(): void {
    while (this.live().length < this.desired) {
      const taskId = `taskmanager-${String(++this.counter).padStart(5, '0')}`;
      this.change({
        taskId,
        state: 'New',
        resources: { cpus: 1, mem: 256 },
        ports: [],
        failureCount: 0,
        version: 0,
        taskState: undefined,
        history: [],
        frameworkId: MEMORY_FRAMEWORK_ID,
      });
    }
  }

  private change(worker: WorkerView): void {
    this.workers.set(worker.taskId, worker);
    for (const listener of this.listeners) listener(worker);
  }
}
