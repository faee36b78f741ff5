/** Why the TaskManager refused something or could not start. */
export enum TaskManagerErrorCode {
  /** A setting or option is missing or wrong (task id, ports, slots). */
  INVALID_CONFIGURATION = 'INVALID_CONFIGURATION',
  /** A deployment descriptor that does not fit its graph, or a malformed request. */
  INVALID_ARGUMENT = 'INVALID_ARGUMENT',
  /** Every slot is taken. */
  RESOURCE_EXHAUSTED = 'RESOURCE_EXHAUSTED',
  /** The TaskManager shuts down. */
  SHUTTING_DOWN = 'SHUTTING_DOWN',
  /** The bundle could not be fetched, or its SHA-256 does not match. */
  BUNDLE_FAILED = 'BUNDLE_FAILED',
  /** The program rebuilt from the bundle is not the submitted graph. */
  GRAPH_MISMATCH = 'GRAPH_MISMATCH',
  /** The resource manager refused the registration for good. */
  REGISTRATION_FAILED = 'REGISTRATION_FAILED',
}

/** The one error type of the TaskManager. */
export class TaskManagerError extends Error {
  override readonly name = 'TaskManagerError';

  constructor(
    readonly code: TaskManagerErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export function isTaskManagerError(error: unknown, code?: TaskManagerErrorCode): error is TaskManagerError {
  return error instanceof TaskManagerError && (code === undefined || error.code === code);
}

/** The message of an error, or the value as text. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
