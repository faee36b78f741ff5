/** Why the agent could not prepare or start a command task. */
export enum AgentTaskErrorCode {
  /** A URI or its `output_file` failed Mesos' validation before anything was fetched. */
  INVALID_URI = 'INVALID_URI',
  /** Downloading or copying a URI's source failed (bad scheme, non-200 answer, missing file…). */
  DOWNLOAD_FAILED = 'DOWNLOAD_FAILED',
  /** `tar`, `unzip` or `gzip` could not unpack a fetched archive. */
  EXTRACT_FAILED = 'EXTRACT_FAILED',
  /** A fetched file could not be placed in the sandbox (mkdir, copy out of the cache, chmod). */
  SANDBOX_IO = 'SANDBOX_IO',
  /** The fetch was cancelled because the task was killed. */
  ABORTED = 'ABORTED',
  /** `CommandInfo.environment` holds a variable the agent cannot resolve. */
  INVALID_ENVIRONMENT = 'INVALID_ENVIRONMENT',
}

/**
 * A failure while preparing a command task on the agent. The message is the text Mesos'
 * fetcher or containerizer would produce for the same failure, so it can go straight into a
 * `TaskStatus.message`.
 */
export class AgentTaskError extends Error {
  override readonly name = 'AgentTaskError';

  /**
   * @param code what went wrong.
   * @param message Mesos' text for the failure, naming the URI or variable concerned.
   */
  constructor(
    readonly code: AgentTaskErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** True when `error` is an {@link AgentTaskError}, optionally of one `code`. */
export function isAgentTaskError(
  error: unknown,
  code?: AgentTaskErrorCode,
): error is AgentTaskError {
  return error instanceof AgentTaskError && (code === undefined || error.code === code);
}

/** The error every fetch step throws when the task is killed while the step runs. */
export function fetchAborted(): AgentTaskError {
  return new AgentTaskError(AgentTaskErrorCode.ABORTED, 'Fetch cancelled: the task was killed');
}
