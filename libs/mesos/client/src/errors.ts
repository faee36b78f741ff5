/** Why a {@link MesosClientError} was raised. */
export enum MesosClientErrorCode {
  /** An option has a value the client cannot use; the message names the key, value and what was expected. */
  INVALID_OPTION = 'INVALID_OPTION',
  /** The master address is not `host:port`, `http(s)://host:port[/path]` or `zk://[user:pass@]hosts/path`. */
  INVALID_MASTER_ADDRESS = 'INVALID_MASTER_ADDRESS',
  /** A call was answered with an unexpected HTTP status; `status` and `body` hold Mesos' answer. */
  CALL_REJECTED = 'CALL_REJECTED',
  /** A call could not be delivered (connection refused or reset, timeout); it may or may not have reached the master. */
  CALL_FAILED = 'CALL_FAILED',
  /** A call was made while the client holds no subscription (before SUBSCRIBED or while reconnecting). */
  NOT_SUBSCRIBED = 'NOT_SUBSCRIBED',
  /** The master answered SUBSCRIBE with a status that retrying cannot fix (400, 401, 403, 406, 415, …). */
  SUBSCRIBE_REJECTED = 'SUBSCRIBE_REJECTED',
  /** The master sent an ERROR event (e.g. `Framework has been removed`, `Framework failed over`); the client stopped. */
  FRAMEWORK_ERROR = 'FRAMEWORK_ERROR',
  /** The client was closed; the operation cannot proceed. */
  CLOSED = 'CLOSED',
  /** A ZooKeeper leader node could not be read or decoded. */
  DETECTION_FAILED = 'DETECTION_FAILED',
}

/** Fields of a {@link MesosClientError} beyond its code and message. */
export interface MesosClientErrorDetails {
  /** The HTTP status Mesos answered with, when there was an answer. */
  status?: number;
  /** Mesos' plain-text answer body (a human-readable reason), when there was one. */
  body?: string;
  /** The call type concerned, e.g. `ACKNOWLEDGE`. */
  callType?: string;
  /** The underlying error (socket error, codec error, …). */
  cause?: unknown;
}

/** The one error type of `@mesoflow/mesos-client`: a {@link MesosClientErrorCode} plus the HTTP answer if any. */
export class MesosClientError extends Error {
  override readonly name = 'MesosClientError';
  /** The HTTP status Mesos answered with, if the error comes from an HTTP answer. */
  readonly status: number | undefined;
  /** Mesos' plain-text answer body, if any. */
  readonly body: string | undefined;
  /** The call type concerned, e.g. `ACKNOWLEDGE`, if the error comes from a call. */
  readonly callType: string | undefined;

  /**
   * @param code what went wrong.
   * @param message a sentence describing it.
   * @param details HTTP status, body, call type and cause, when known.
   */
  constructor(
    readonly code: MesosClientErrorCode,
    message: string,
    details: MesosClientErrorDetails = {},
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.status = details.status;
    this.body = details.body;
    this.callType = details.callType;
  }
}

/** True when `error` is a {@link MesosClientError}, optionally with the given code. */
export function isMesosClientError(error: unknown, code?: MesosClientErrorCode): error is MesosClientError {
  return error instanceof MesosClientError && (code === undefined || error.code === code);
}
