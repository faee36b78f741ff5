/** Why a {@link JobMasterError} was raised. */
export enum JobMasterErrorCode {
  /** A job or task state change the state machine does not allow (e.g. a FINISHED task reported RUNNING). */
  ILLEGAL_TRANSITION = 'ILLEGAL_TRANSITION',
  /** An allocation with fewer slots than the job needs (`slotsNeeded`). */
  NOT_ENOUGH_SLOTS = 'NOT_ENOUGH_SLOTS',
  /** A job graph the job master cannot schedule (no vertices, an edge to an unknown vertex). */
  INVALID_JOB = 'INVALID_JOB',
  /** Options that do not go together, e.g. `adoptPreviousRun` without a way to find the TaskManagers' tasks. */
  INVALID_OPTIONS = 'INVALID_OPTIONS',
  /** A call at the wrong time, e.g. `run()` twice. */
  ILLEGAL_STATE = 'ILLEGAL_STATE',
}

/** The one error type of `@mesoflow/dataflow-jobmaster`. */
export class JobMasterError extends Error {
  override readonly name = 'JobMasterError';

  constructor(
    readonly code: JobMasterErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** True when `error` is a {@link JobMasterError}, optionally with the given code. */
export function isJobMasterError(error: unknown, code?: JobMasterErrorCode): error is JobMasterError {
  return error instanceof JobMasterError && (code === undefined || error.code === code);
}

/** The message of any thrown value. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
