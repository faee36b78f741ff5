/** What went wrong in the scheduler. */
export enum SchedulerErrorCode {
  /** The configuration cannot describe a worker or a framework. */
  INVALID_CONFIGURATION = 'INVALID_CONFIGURATION',
  /** More TaskManager tasks failed than `mesos.maximum-failed-tasks` allows. */
  TOO_MANY_FAILED_TASKS = 'TOO_MANY_FAILED_TASKS',
  /** The scheduler was closed. */
  CLOSED = 'CLOSED',
  /** The scheduler cannot do what was asked in its state: not started yet, failed, or closed. */
  NOT_RUNNING = 'NOT_RUNNING',
  /** The Mesos master refused the framework ID: `Framework has been removed`; see {@link FrameworkRemovedError}. */
  FRAMEWORK_REMOVED = 'FRAMEWORK_REMOVED',
  /** The Mesos client stopped for good for another reason (another ERROR event, SUBSCRIBE rejected). */
  MESOS_CLIENT_FAILED = 'MESOS_CLIENT_FAILED',
  /** The configuration overlay could not describe a worker's task; the worker waits for the next offer. */
  TASK_SPEC_UNAVAILABLE = 'TASK_SPEC_UNAVAILABLE',
  /** The application ended but the scheduler could not forget its framework (the store failed); it stops. */
  DEREGISTRATION_FAILED = 'DEREGISTRATION_FAILED',
  /** With `high-availability: zookeeper`: another scheduler may lead now; this one stops. */
  LEADERSHIP_LOST = 'LEADERSHIP_LOST',
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

/**
 * The master refused to let the scheduler re-subscribe as `frameworkId` because it removed that
 * framework (its failover timeout passed, or it was torn down); all of its tasks are gone.
 */
export class FrameworkRemovedError extends SchedulerError {
  constructor(
    /** The framework ID the scheduler tried to re-subscribe with. */
    readonly frameworkId: string | undefined,
    /** The master's ERROR message, e.g. `Framework has been removed`. */
    readonly masterMessage: string,
    options?: { cause?: unknown },
  ) {
    super(
      SchedulerErrorCode.FRAMEWORK_REMOVED,
      `The Mesos master removed framework '${frameworkId ?? '?'}' and refuses it ('${masterMessage}'): its ` +
        "TaskManagers are gone. Set 'mesos.resourcemanager.framework.on-removed: register-anew' to register a new " +
        'framework and launch new TaskManagers',
      options,
    );
  }
}

export function isSchedulerError(error: unknown): error is SchedulerError {
  return error instanceof SchedulerError;
}
