import { ExchangeError, ExchangeErrorCode } from './errors';

/** Options of a result partition (the producing side). */
export interface ResultPartitionOptions {
  /**
   * Bytes per network buffer: records are packed into buffers of this size before they are
   * sent. A record larger than this travels in a buffer of its own.
   * @default 32768 (32 KiB, Flink's `taskmanager.memory.segment-size`)
   */
  bufferSize?: number;
  /**
   * The longest a written record waits in a partly filled buffer before the buffer is sent
   * (Flink's output flusher, `execution.buffer-timeout`). 0 sends every record at once.
   * @default 5
   */
  flushTimeoutMs?: number;
  /**
   * Finished buffers a subpartition holds before `write` awaits (the producer's share of the
   * buffer pool). Together with the buffer being filled and the consumer's credit this bounds
   * the memory of one subpartition to `(maxQueuedBuffers + 1) * bufferSize`, plus one event.
   * @default 4
   */
  maxQueuedBuffers?: number;
}

/** {@link ResultPartitionOptions} with every default applied, validated. */
export interface ResolvedResultPartitionOptions {
  readonly bufferSize: number;
  readonly flushTimeoutMs: number;
  readonly maxQueuedBuffers: number;
}

/** Options of an input channel (the consuming side). */
export interface InputChannelOptions {
  /**
   * Buffers the consumer takes in flight: the initial credit, given back one by one as buffers
   * are read. Bounds the consumer's memory to `credit` buffers per channel.
   * @default 4
   */
  credit?: number;
  /**
   * How long a consumer waits for the producer's partition to be registered (it may start
   * first) before failing with PARTITION_NOT_FOUND (Flink's partition request backoff).
   * @default 10000
   */
  partitionRequestTimeoutMs?: number;
}

/** {@link InputChannelOptions} with every default applied, validated. */
export interface ResolvedInputChannelOptions {
  readonly credit: number;
  readonly partitionRequestTimeoutMs: number;
}

/** The default {@link ResultPartitionOptions.bufferSize}: 32 KiB. */
export const DEFAULT_BUFFER_SIZE = 32 * 1024;
/** The default {@link ResultPartitionOptions.flushTimeoutMs}. */
export const DEFAULT_FLUSH_TIMEOUT_MS = 5;
/** The default {@link ResultPartitionOptions.maxQueuedBuffers}. */
export const DEFAULT_MAX_QUEUED_BUFFERS = 4;
/** The default {@link InputChannelOptions.credit}. */
export const DEFAULT_CREDIT = 8;
/** The default {@link InputChannelOptions.partitionRequestTimeoutMs}. */
export const DEFAULT_PARTITION_REQUEST_TIMEOUT_MS = 10_000;

/** Applies the defaults and validates. @throws ExchangeError INVALID_ARGUMENT */
export function resolveResultPartitionOptions(options: ResultPartitionOptions = {}): ResolvedResultPartitionOptions {
  const bufferSize = options.bufferSize ?? DEFAULT_BUFFER_SIZE;
  const flushTimeoutMs = options.flushTimeoutMs ?? DEFAULT_FLUSH_TIMEOUT_MS;
  const maxQueuedBuffers = options.maxQueuedBuffers ?? DEFAULT_MAX_QUEUED_BUFFERS;
  integer('bufferSize', bufferSize, 64, 64 * 1024 * 1024);
  integer('flushTimeoutMs', flushTimeoutMs, 0, 60_000);
  integer('maxQueuedBuffers', maxQueuedBuffers, 1, 1 << 16);
  return { bufferSize, flushTimeoutMs, maxQueuedBuffers };
}

/** Applies the defaults and validates. @throws ExchangeError INVALID_ARGUMENT */
export function resolveInputChannelOptions(options: InputChannelOptions = {}): ResolvedInputChannelOptions {
  const credit = options.credit ?? DEFAULT_CREDIT;
  const partitionRequestTimeoutMs = options.partitionRequestTimeoutMs ?? DEFAULT_PARTITION_REQUEST_TIMEOUT_MS;
  integer('credit', credit, 1, 1 << 16);
  integer('partitionRequestTimeoutMs', partitionRequestTimeoutMs, 0, 24 * 3600 * 1000);
  return { credit, partitionRequestTimeoutMs };
}

function integer(name: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ExchangeError(ExchangeErrorCode.INVALID_ARGUMENT, `The exchange option '${name}' must be an integer from ${min} to ${max}, not ${value}`);
  }
}
