/** Why a {@link ZkStoreError} was raised. */
export enum ZkStoreErrorCode {
  /** No ZooKeeper session could be established within the connect timeout. */
  CONNECT_TIMEOUT = 'CONNECT_TIMEOUT',
  /** The connection dropped while a request was in flight: it may or may not have been applied. Re-read before retrying. */
  CONNECTION_LOSS = 'CONNECTION_LOSS',
  /** No answer within the operation timeout: the request may or may not have been applied. Re-read before retrying. */
  OPERATION_TIMEOUT = 'OPERATION_TIMEOUT',
  /** The ZooKeeper session expired: ephemeral nodes are gone and the connection is dead; open a new one. */
  SESSION_EXPIRED = 'SESSION_EXPIRED',
  /** The connection or store was closed by its owner. */
  CLOSED = 'CLOSED',
  /** The node does not exist (ZooKeeper `NONODE`). */
  NO_NODE = 'NO_NODE',
  /** The node already exists (ZooKeeper `NODEEXISTS`). */
  NODE_EXISTS = 'NODE_EXISTS',
  /** The node's version is not the expected one (ZooKeeper `BADVERSION`): someone else wrote first. */
  BAD_VERSION = 'BAD_VERSION',
  /** The node still has children (ZooKeeper `NOTEMPTY`). */
  NOT_EMPTY = 'NOT_EMPTY',
  /** Any other ZooKeeper error; `zkCode` holds ZooKeeper's number. */
  ZOOKEEPER_ERROR = 'ZOOKEEPER_ERROR',
  /** A store write lost against a concurrent writer or was based on a stale version; re-read and decide again. */
  CONFLICT = 'CONFLICT',
  /** The worker (or framework ID) is not in the store. */
  NOT_FOUND = 'NOT_FOUND',
  /** A worker state change that the state machine forbids, e.g. `Released → Launched`. */
  ILLEGAL_TRANSITION = 'ILLEGAL_TRANSITION',
  /** A stored record could not be decoded. */
  CORRUPT_RECORD = 'CORRUPT_RECORD',
  /** A file-system operation of the file store failed. */
  IO_ERROR = 'IO_ERROR',
  /**
   * A write was refused because this master is no longer the leader: its fence (leader latch node)
   * is gone, or it had stepped down. Stop acting as the leader.
   */
  FENCED = 'FENCED',
  /** The caller aborted the wait (its `AbortSignal` fired). */
  ABORTED = 'ABORTED',
  /** An argument has a value the store cannot use (empty ID, relative path, …). */
  INVALID_ARGUMENT = 'INVALID_ARGUMENT',
}

/** Fields of a {@link ZkStoreError} beyond its code and message. */
export interface ZkStoreErrorDetails {
  /** The ZooKeeper path or file concerned. */
  path?: string;
  /** ZooKeeper's error number (e.g. `-103` for `BADVERSION`), when the error comes from ZooKeeper. */
  zkCode?: number;
  /** The underlying error. */
  cause?: unknown;
}

/** The one error type of `@mesoflow/zk-store`: a {@link ZkStoreErrorCode}, the path concerned and the cause. */
export class ZkStoreError extends Error {
  override readonly name = 'ZkStoreError';
  /** The ZooKeeper path or file concerned, when there is one. */
  readonly path: string | undefined;
  /** ZooKeeper's error number, when the error comes from ZooKeeper. */
  readonly zkCode: number | undefined;

  /**
   * @param code what went wrong.
   * @param message a sentence describing it.
   * @param details path, ZooKeeper code and cause, when known.
   */
  constructor(
    readonly code: ZkStoreErrorCode,
    message: string,
    details: ZkStoreErrorDetails = {},
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.path = details.path;
    this.zkCode = details.zkCode;
  }
}

/** True when `error` is a {@link ZkStoreError}, optionally with the given code. */
export function isZkStoreError(error: unknown, code?: ZkStoreErrorCode): error is ZkStoreError {
  return error instanceof ZkStoreError && (code === undefined || error.code === code);
}

/**
 * True when a failed write may nevertheless have been applied (connection loss, timeout), so the
 * caller must re-read before deciding to retry.
 */
export function isOutcomeUnknown(error: unknown): boolean {
  return (
    isZkStoreError(error, ZkStoreErrorCode.CONNECTION_LOSS) || isZkStoreError(error, ZkStoreErrorCode.OPERATION_TIMEOUT)
  );
}
