import type { WorkerState } from '@mesoflow/zk-store';

/**
 * A state a worker went through: its record's (`NEW`, `LAUNCHED`, `RELEASED`), a Mesos task state
 * (`TASK_RUNNING`, ...), or its TaskManager's (`REGISTERED`, `LOST`).
 */
export type WorkerHistoryState = 'NEW' | 'LAUNCHED' | 'RELEASED' | 'REGISTERED' | 'LOST' | `TASK_${string}`;

/** One entry of a worker's history. */
export interface WorkerStateChange {
  /** Ms since the epoch. */
  readonly atMs: number;
  readonly state: WorkerHistoryState;
  /** Why, when known (e.g. the Mesos reason and message). */
  readonly detail: string | undefined;
}

const RECORD_STATES: Readonly<Record<WorkerState, WorkerHistoryState>> = { New: 'NEW', Launched: 'LAUNCHED', Released: 'RELEASED' };

/** The history state of a worker record's state. */
export function recordState(state: WorkerState): WorkerHistoryState {
  return RECORD_STATES[state];
}

/**
 * The last `limit` state changes of each worker, oldest first. Kept in memory only: the store
 * holds a worker's current state, not how it got there, so a restarted scheduler (or a new leader)
 * starts each worker's history over.
 */
export class WorkerHistory {
  /** Replaced, never changed in place: a list handed out stays as it was. */
  private readonly changes = new Map<string, readonly WorkerStateChange[]>();
  /** The task state recorded last per worker, still known once trimmed from the list. */
  private readonly lastTaskStates = new Map<string, string>();

  constructor(private readonly limit = 20) {}

  /** The worker's changes, oldest first; empty when none was recorded. */
  of(taskId: string): readonly WorkerStateChange[] {
    return this.changes.get(taskId) ?? [];
  }

  has(taskId: string): boolean {
    return this.changes.has(taskId);
  }

  record(taskId: string, change: WorkerStateChange): void {
    const changes = [...this.of(taskId), change];
    this.changes.set(taskId, changes.length > this.limit ? changes.slice(-this.limit) : changes);
  }

  /**
   * Records a Mesos task state, unless it is the task state recorded last for the worker: the
   * master repeats states (reconciliation answers, retried updates) that changed nothing.
   * @returns whether it was recorded.
   */
  recordTaskState(taskId: string, change: WorkerStateChange & { readonly state: `TASK_${string}` }): boolean {
    if (this.lastTaskStates.get(taskId) === change.state) return false;
    this.lastTaskStates.set(taskId, change.state);
    this.record(taskId, change);
    return true;
  }

  clear(): void {
    this.changes.clear();
    this.lastTaskStates.clear();
  }
}
