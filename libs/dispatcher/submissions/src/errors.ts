/** Why a {@link SubmissionError} was raised. */
export enum SubmissionErrorCode {
  /** A submission id, cluster name or option has a value this library cannot use. */
  INVALID_ARGUMENT = 'INVALID_ARGUMENT',
  /** The submission id is already taken by a submission with a different payload. */
  SUBMISSION_CONFLICT = 'SUBMISSION_CONFLICT',
  /** No job with this id exists in the cluster's queue. */
  UNKNOWN_JOB = 'UNKNOWN_JOB',
  /** The job has already ended (finished, failed or canceled), so it cannot be canceled. */
  ALREADY_ENDED = 'ALREADY_ENDED',
  /** The job was canceled: the reason a runner gives BullMQ when it stops or skips a canceled job. */
  CANCELED = 'CANCELED',
  /** A stored job could not be decoded (written by something other than this library). */
  CORRUPT_JOB = 'CORRUPT_JOB',
  /** The queue or runner was closed by its owner. */
  CLOSED = 'CLOSED',
}

/** Fields of a {@link SubmissionError} beyond its code and message. */
export interface SubmissionErrorDetails {
  /** The job concerned, when there is one. */
  jobId?: string;
  /** The underlying error. */
  cause?: unknown;
}

/** The one error type of `@mesoflow/dispatcher-submissions`: a {@link SubmissionErrorCode} and the job concerned. */
export class SubmissionError extends Error {
  override readonly name = 'SubmissionError';
  /** The job concerned, when there is one. */
  readonly jobId: string | undefined;

  /**
   * @param code what went wrong.
   * @param message a sentence describing it.
   * @param details job id and cause, when known.
   */
  constructor(
    readonly code: SubmissionErrorCode,
    message: string,
    details: SubmissionErrorDetails = {},
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.jobId = details.jobId;
  }
}

/** True when `error` is a {@link SubmissionError}, optionally with the given code. */
export function isSubmissionError(error: unknown, code?: SubmissionErrorCode): error is SubmissionError {
  return error instanceof SubmissionError && (code === undefined || error.code === code);
}
