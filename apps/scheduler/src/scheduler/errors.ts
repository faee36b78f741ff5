/** What went wrong in the scheduler. */
export enum SchedulerErrorCode {
  /** The configuration cannot describe a worker or a framework. */
  INVALID_CONFIGURATION = 'INVALID_CONFIGURATION',
  /** More TaskManager tasks failed than `mesos.maximum-failed-tasks` allows. */
  TOO_MANY_FAILED_TASKS = 'TOO_MANY_FAILED_TASKS',
  /** The scheduler was closed. */
  CLOSED = 'CLOSED',
}

/** The scheduler's one error type; `code` says which failure it is. */
export class SchedulerError extends Error {
  override readonly name = 'SchedulerError';

  constructor(
    readonly code: SchedulerErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export function isSchedulerError(error: unknown): error is SchedulerError {
  return error instanceof SchedulerError;
}
