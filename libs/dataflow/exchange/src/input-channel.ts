import { ExchangeError, ExchangeErrorCode } from './errors';
import { decodeFrames, type ExchangeElement } from './frames';
import { describeTask, type ResultPartitionId, type TaskAttemptId } from './task-attempt';

/**
 * The consuming side of one subpartition of one producer: local (same process) or remote (over
 * gRPC), with the same reading interface and the same bounded memory.
 */
export interface InputChannel {
  /** The producer's partition. */
  readonly partition: ResultPartitionId;
  /** The subpartition read (the consumer's subtask index, usually). */
  readonly subpartition: number;
  /** The consuming task attempt. */
  readonly consumer: TaskAttemptId;
  /** Buffers received and not read yet: never more than the channel's credit. */
  readonly queuedBuffers: number;
  /**
   * The elements of the next buffer, in the order the producer wrote them (records are views of
   * the buffer), or `null` once end-of-partition has been read. End-of-partition itself is not
   * returned.
   * @returns rejects with an {@link ExchangeError}: PRODUCER_FAILED (naming the producer) when it
   *   fails or goes away, PARTITION_NOT_FOUND when it is not registered in time, CANCELLED after
   *   {@link cancel}, FRAMING for a corrupt buffer.
   */
  readBatch(): Promise<ExchangeElement[] | null>;
  /** Every element up to end-of-partition. Leaving the loop early cancels the channel. */
  [Symbol.asyncIterator](): AsyncIterator<ExchangeElement>;
  /** Stops reading: the producer fails with an error naming this consumer. Idempotent. */
  cancel(reason?: string): void;
}

/** `consumer job 'j' vertex 'v' subtask 0 attempt 0 reading subpartition 1 of producer job ...` */
export function describeChannel(channel: Pick<InputChannel, 'partition' | 'subpartition' | 'consumer'>): string {
  return `consumer ${describeTask(channel.consumer)} reading subpartition ${channel.subpartition} of producer ${describeTask(channel.partition)}`;
}

/**
 * What local and remote channels share: waiting for buffers, decoding them, ending at
 * end-of-partition and failing once.
 */
export abstract class AbstractInputChannel implements InputChannel {
  private failure: ExchangeError | undefined;
  private ended = false;
  private wake: { resolve: () => void; reject: (error: ExchangeError) => void } | undefined;

  protected constructor(
    readonly partition: ResultPartitionId,
    readonly subpartition: number,
    readonly consumer: TaskAttemptId,
  ) {}

  abstract readonly queuedBuffers: number;

  /** Takes the next received buffer (giving its credit back), or `undefined`. */
  protected abstract takeBuffer(): Buffer | undefined;
  /** End-of-partition was read: release the transport cleanly. */
  protected abstract onEnd(): void;
  /** This side stops early with `error` (cancel, corrupt data): tell the producer. */
  protected abstract onAbort(error: ExchangeError): void;

  /** True once end-of-partition was read, or the channel failed. */
  get isClosed(): boolean {
    return this.ended || this.failure !== undefined;
  }

  async readBatch(): Promise<ExchangeElement[] | null> {
    for (;;) {
      if (this.failure) throw this.failure;
      if (this.ended) return null;
      const buffer = this.takeBuffer();
      if (buffer !== undefined) return this.decode(buffer);
      await new Promise<void>((resolve, reject) => (this.wake = { resolve, reject }));
    }
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<ExchangeElement> {
    try {
      for (;;) {
        const batch = await this.readBatch();
        if (batch === null) return;
        for (const element of batch) yield element;
      }
    } finally {
      if (!this.isClosed) this.cancel('the reader stopped before the end of the partition');
    }
  }

  cancel(reason = 'cancelled'): void {
    if (this.isClosed) return;
    const error = new ExchangeError(ExchangeErrorCode.CANCELLED, `The ${describeChannel(this)} was cancelled: ${reason}`);
    this.fail(error);
    this.onAbort(error);
  }

  /** Buffers arrived: wakes a pending {@link readBatch}. */
  protected signal(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.resolve();
  }

  /** Fails the channel once; a pending and every later read reject with `error`. */
  protected fail(error: ExchangeError): void {
    if (this.isClosed) return;
    this.failure = error;
    const wake = this.wake;
    this.wake = undefined;
    wake?.reject(error);
  }

  private decode(buffer: Buffer): ExchangeElement[] {
    let elements: ExchangeElement[];
    try {
      elements = decodeFrames(buffer);
    } catch (error) {
      const failure = new ExchangeError(ExchangeErrorCode.FRAMING, `The ${describeChannel(this)} received a corrupt buffer: ${(error as Error).message}`, { cause: error });
      this.fail(failure);
      this.onAbort(failure);
      throw failure;
    }
    const last = elements[elements.length - 1];
    if (last !== undefined && !Buffer.isBuffer(last) && last.kind === 'end-of-partition') {
      elements.pop();
      this.ended = true;
      this.onEnd();
    }
    return elements;
  }
}
