import type { JsonValue } from './submission';

/**
 * A job's state, with Flink's names. `ACCEPTED` is queued (Flink's CREATED/INITIALIZING); a
 * cancel request keeps a running job `RUNNING` until its runner stops it.
 */
export type JobState = 'ACCEPTED' | 'RUNNING' | 'FINISHED' | 'FAILED' | 'CANCELED';

/** True for the states a job never leaves. */
export function isTerminal(state: JobState): boolean {
  switch (state) {
    case 'ACCEPTED':
    case 'RUNNING':
      return false;
    case 'FINISHED':
    case 'FAILED':
    case 'CANCELED':
      return true;
  }
}

/** What the dispatcher knows about one submitted job. */
export interface JobRecord {
  jobId: string;
  submissionId: string;
  jobName: string;
  state: JobState;
  /** Epoch milliseconds. */
  submittedAt: number;
  /** When the current (latest) attempt started. */
  startedAt?: number;
  endedAt?: number;
  /** How many times a runner started the job; more than one means it was restarted after a runner died. */
  attempts: number;
  /** Why the job failed, for `FAILED` (and the runner's message for `CANCELED`). */
  failure?: string;
  cancelRequested: boolean;
  /** The last progress the runner reported. */
  progress?: JsonValue;
  /** What the runner returned, for `FINISHED`. */
  result?: JsonValue;
}

/** BullMQ's view of a job: its state and the fields of its hash that we read. */
export interface QueuedJobView {
  bullState: 'completed' | 'failed' | 'active' | 'delayed' | 'prioritized' | 'waiting' | 'waiting-children' | 'unknown';
  processedOn?: number;
  finishedOn?: number;
  attemptsStarted: number;
  failedReason?: string;
  progress?: JsonValue;
  returnvalue?: JsonValue;
}

/**
 * Our state from BullMQ's state plus the cancel flag. A queued job with a cancel request is
 * already `CANCELED`: a runner that takes it checks the flag before running anything. A failed
 * job with a cancel request is `CANCELED`, since its run was stopped by the request; a job that
 * finished despite a late cancel request did finish.
 */
export function stateOf(view: Pick<QueuedJobView, 'bullState'>, cancelRequested: boolean): JobState | undefined {
  switch (view.bullState) {
    case 'waiting':
    case 'delayed':
    case 'prioritized':
    case 'waiting-children':
      return cancelRequested ? 'CANCELED' : 'ACCEPTED';
    case 'active':
      return 'RUNNING';
    case 'completed':
      return 'FINISHED';
    case 'failed':
      return cancelRequested ? 'CANCELED' : 'FAILED';
    case 'unknown':
      return undefined;
  }
}
