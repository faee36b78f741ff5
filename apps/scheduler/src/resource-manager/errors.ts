/** What the resource manager refused. */
export enum ResourceManagerErrorCode {
  /** A field is missing or out of range. */
  INVALID_REQUEST = 'INVALID_REQUEST',
  /** A TaskManager registers for a task that is not a Launched worker. */
  NOT_LAUNCHED = 'NOT_LAUNCHED',
  /** A heartbeat names a registration the resource manager does not hold. */
  UNKNOWN_REGISTRATION = 'UNKNOWN_REGISTRATION',
  /** An allocation ID is reused with another job ID or slot count. */
  ALLOCATION_CONFLICT = 'ALLOCATION_CONFLICT',
  /** A pending slot request was withdrawn (released) while a stream waited for it. */
  REQUEST_WITHDRAWN = 'REQUEST_WITHDRAWN',
  /** The resource manager is not running (not started yet, or closed). */
  NOT_RUNNING = 'NOT_RUNNING',
}

/** The resource manager's one error type; `code` says which refusal it is. */
export class ResourceManagerError extends Error {
  override readonly name = 'ResourceManagerError';

  constructor(
    readonly code: ResourceManagerErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export function isResourceManagerError(error: unknown): error is ResourceManagerError {
  return error instanceof ResourceManagerError;
}
