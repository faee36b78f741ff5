// The job and task state machines, with Flink's names (ExecutionState and JobStatus). Every
// change goes through `taskTransition` / `jobTransition`, so an impossible one is an error that
// says what was asked and what would have been allowed.
import { JobMasterError, JobMasterErrorCode } from './errors';

/** The state of one execution attempt of a subtask (Flink's ExecutionState). */
export type TaskState = 'CREATED' | 'SCHEDULED' | 'DEPLOYING' | 'RUNNING' | 'FINISHED' | 'FAILED' | 'CANCELING' | 'CANCELED';

/** The state of a job (Flink's JobStatus; note Flink spells it CANCELLING for jobs, CANCELING for tasks). */
export type JobState = 'CREATED' | 'RUNNING' | 'FAILING' | 'RESTARTING' | 'FINISHED' | 'FAILED' | 'CANCELLING' | 'CANCELED';

const TASK_TRANSITIONS: Readonly<Record<TaskState, readonly TaskState[]>> = {
  // A task that never got a slot is cancelled directly, without a TaskManager to ask.
  CREATED: ['SCHEDULED', 'CANCELED'],
  // SCHEDULED -> FAILED: no slot could be assigned to it.
  SCHEDULED: ['DEPLOYING', 'FAILED', 'CANCELED'],
  // A short task may report FINISHED (or FAILED) before the job master saw RUNNING.
  DEPLOYING: ['RUNNING', 'FINISHED', 'FAILED', 'CANCELING'],
  RUNNING: ['FINISHED', 'FAILED', 'CANCELING'],
  CANCELING: ['CANCELED'],
  FINISHED: [],
  FAILED: [],
  CANCELED: [],
};

const JOB_TRANSITIONS: Readonly<Record<JobState, readonly JobState[]>> = {
  CREATED: ['RUNNING', 'CANCELLING'],
  RUNNING: ['FINISHED', 'FAILING', 'CANCELLING'],
  FAILING: ['RESTARTING', 'FAILED', 'CANCELLING'],
  RESTARTING: ['RUNNING', 'CANCELLING'],
  CANCELLING: ['CANCELED'],
  FINISHED: [],
  FAILED: [],
  CANCELED: [],
};

/** True for FINISHED, FAILED and CANCELED. */
export function isTerminalTaskState(state: TaskState): boolean {
  return TASK_TRANSITIONS[state].length === 0;
}

/** True for FINISHED, FAILED and CANCELED. */
export function isTerminalJobState(state: JobState): boolean {
  return JOB_TRANSITIONS[state].length === 0;
}

/** The states a task may go to from `from`. */
export function allowedTaskTransitions(from: TaskState): readonly TaskState[] {
  return TASK_TRANSITIONS[from];
}

/** The states a job may go to from `from`. */
export function allowedJobTransitions(from: JobState): readonly JobState[] {
  return JOB_TRANSITIONS[from];
}

/**
 * Returns `to` when a task may go from `from` to `to`.
 * @param what names the task in the message, e.g. `describeAttempt(id)`.
 * @throws JobMasterError `ILLEGAL_TRANSITION` naming the task, both states and what is allowed.
 */
export function taskTransition(from: TaskState, to: TaskState, what: string): TaskState {
  if (!TASK_TRANSITIONS[from].includes(to)) throw illegal(`Task ${what}`, from, to, TASK_TRANSITIONS[from]);
  return to;
}

/**
 * Returns `to` when a job may go from `from` to `to`.
 * @param what names the job in the message, e.g. `job 'j1'`.
 * @throws JobMasterError `ILLEGAL_TRANSITION` naming the job, both states and what is allowed.
 */
export function jobTransition(from: JobState, to: JobState, what: string): JobState {
  if (!JOB_TRANSITIONS[from].includes(to)) throw illegal(`The ${what}`, from, to, JOB_TRANSITIONS[from]);
  return to;
}

function illegal(subject: string, from: string, to: string, allowed: readonly string[]): JobMasterError {
  const rest = allowed.length === 0 ? `${from} is a terminal state` : `from ${from} it may only go to ${allowed.join(', ')}`;
  return new JobMasterError(JobMasterErrorCode.ILLEGAL_TRANSITION, `${subject} cannot go from ${from} to ${to}: ${rest}`);
}
