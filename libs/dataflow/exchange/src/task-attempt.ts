import { ExchangeError, ExchangeErrorCode } from './errors';

/** One execution attempt of one subtask of a job vertex. */
export interface TaskAttemptId {
  readonly jobId: string;
  readonly vertexId: string;
  /** 0-based index of the parallel subtask. */
  readonly subtaskIndex: number;
  /** 0 for the first execution, then one more per restart. */
  readonly attempt: number;
}

/**
 * A result partition: the output of one producing task attempt. It has one subpartition per
 * consuming subtask, so its identity is its producer's.
 */
export type ResultPartitionId = TaskAttemptId;

/** `job 'j1' vertex 'map' subtask 2 attempt 0`, for messages. */
export function describeTask(id: TaskAttemptId): string {
  return `job '${id.jobId}' vertex '${id.vertexId}' subtask ${id.subtaskIndex} attempt ${id.attempt}`;
}

/** A unique string key of a task attempt (or partition), for maps. */
export function taskKey(id: TaskAttemptId): string {
  return JSON.stringify([id.jobId, id.vertexId, id.subtaskIndex, id.attempt]);
}

/**
 * Checks that `id` has non-empty IDs and non-negative integer indexes.
 * @throws ExchangeError INVALID_ARGUMENT naming the bad field.
 */
export function validateTaskAttemptId(id: TaskAttemptId, what: string): TaskAttemptId {
  if (typeof id.jobId !== 'string' || id.jobId === '') invalid(`${what} needs a job ID`);
  if (typeof id.vertexId !== 'string' || id.vertexId === '') invalid(`${what} needs a vertex ID`);
  if (!isIndex(id.subtaskIndex)) invalid(`${what}'s subtask index must be an integer >= 0, not ${id.subtaskIndex}`);
  if (!isIndex(id.attempt)) invalid(`${what}'s attempt must be an integer >= 0, not ${id.attempt}`);
  return { jobId: id.jobId, vertexId: id.vertexId, subtaskIndex: id.subtaskIndex, attempt: id.attempt };
}

function isIndex(value: number): boolean {
  return Number.isInteger(value) && value >= 0 && value <= 0xffff_ffff;
}

function invalid(message: string): never {
  throw new ExchangeError(ExchangeErrorCode.INVALID_ARGUMENT, message);
}
