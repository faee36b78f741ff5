import { ExchangeError, ExchangeErrorCode } from './errors';
import { BufferBuilder, encodeFrame, eventFrame, FrameKind, type ExchangeEvent } from './frames';
import { resolveResultPartitionOptions, type ResolvedResultPartitionOptions, type ResultPartitionOptions } from './options';
import { describeTask, validateTaskAttemptId, type ResultPartitionId } from './task-attempt';

/**
 * The reading side attached to a subpartition: a local input channel, or the gRPC call that
 * sends the subpartition to a remote consumer. At most one per subpartition.
 */
export interface SubpartitionReader {
  /** The subpartition's queue went from empty to non-empty: {@link ResultSubpartition.poll} yields a buffer. */
  notifyAvailable(): void;
  /** The producer failed or was cancelled: the reader fails with `error` (PRODUCER_FAILED). */
  notifyFailed(error: ExchangeError): void;
}

/**
 * One subpartition of a result partition: the buffers for one consuming subtask, in order. The
 * producer appends frames; the reader polls finished buffers. Pipelined: read once, by one reader.
 */
export class ResultSubpartition {
  private readonly builder: BufferBuilder;
  private readonly queue: Buffer[] = [];
  private queuedBytesCount = 0;
  private reader: SubpartitionReader | undefined;
  private endQueued = false;
  private released = false;

  /** @internal created by {@link ResultPartition} */
  constructor(
    private readonly owner: ResultPartition,
    readonly index: number,
    private readonly options: ResolvedResultPartitionOptions,
  ) {
    this.builder = new BufferBuilder(options.bufferSize);
  }

  /** The partition this subpartition belongs to. */
  get partition(): ResultPartition {
    return this.owner;
  }

  /** Finished buffers waiting for the reader (Flink's backlog). */
  get backlog(): number {
    return this.queue.length;
  }

  /** Bytes held: finished buffers plus the buffer being filled. */
  get bufferedBytes(): number {
    return this.queuedBytesCount + this.builder.size;
  }

  /** True while the producer may write more without waiting. */
  get hasRoom(): boolean {
    return this.queue.length < this.options.maxQueuedBuffers;
  }

  /** True once end-of-partition is queued. */
  get isEndQueued(): boolean {
    return this.endQueued;
  }

  /** @internal Appends one frame; returns whether the frame went into an empty buffer. */
  append(kind: FrameKind, payload: Uint8Array): boolean {
    const builder = this.builder;
    const wasEmpty = builder.isEmpty;
    if (builder.tryAppend(kind, payload)) return wasEmpty;
    if (!wasEmpty) {
      this.enqueue(builder.finish());
      if (builder.tryAppend(kind, payload)) return true;
    }
    this.enqueue(encodeFrame(kind, payload));
    return false;
  }

  /** @internal Appends end-of-partition and flushes. */
  appendEnd(): void {
    this.append(FrameKind.END_OF_PARTITION, Buffer.alloc(0));
    this.endQueued = true;
    this.flush();
  }

  /** @internal Moves the buffer being filled, if any, to the queue. */
  flush(): void {
    if (!this.builder.isEmpty) this.enqueue(this.builder.finish());
  }

  /**
   * Attaches the reader. It is told at once if buffers are already waiting.
   * @throws ExchangeError SUBPARTITION_IN_USE if another reader has attached, or the partition's
   *   failure (PRODUCER_FAILED) if it has failed.
   */
  attach(reader: SubpartitionReader): void {
    const failure = this.owner.readerFailure;
    if (failure) throw failure;
    if (this.reader !== undefined || this.released) {
      throw new ExchangeError(
        ExchangeErrorCode.SUBPARTITION_IN_USE,
        `Subpartition ${this.index} of the partition of ${describeTask(this.owner.id)} is already being read`,
      );
    }
    this.reader = reader;
    if (this.queue.length > 0) reader.notifyAvailable();
  }

  /** Takes the next finished buffer, or `undefined` when none is waiting. */
  poll(): Buffer | undefined {
    const buffer = this.queue.shift();
    if (buffer === undefined) return undefined;
    this.queuedBytesCount -= buffer.length;
    this.owner.onPolled();
    return buffer;
  }

  /** The reader has read end-of-partition: the subpartition is done. */
  release(): void {
    if (this.released) return;
    this.released = true;
    this.reader = undefined;
    this.owner.onReleased();
  }

  /** The reader went away before end-of-partition: the whole partition fails with `error`. */
  detach(error: ExchangeError): void {
    if (this.released) return;
    this.reader = undefined;
    this.released = true;
    this.owner.fail(error);
  }

  /** @internal The partition failed: drop the buffers and tell the reader. */
  failed(error: ExchangeError): void {
    this.queue.length = 0;
    this.queuedBytesCount = 0;
    this.builder.discard();
    const reader = this.reader;
    this.reader = undefined;
    reader?.notifyFailed(error);
  }

  private enqueue(buffer: Buffer): void {
    this.queue.push(buffer);
    this.queuedBytesCount += buffer.length;
    if (this.queue.length === 1) this.reader?.notifyAvailable();
  }
}

/** Where a result partition is in its life. */
export type ResultPartitionState =
  | { readonly kind: 'running' }
  | { readonly kind: 'finishing' }
  | { readonly kind: 'finished' }
  | { readonly kind: 'failed'; readonly error: ExchangeError };

interface RoomWaiter {
  readonly subpartitions: readonly ResultSubpartition[];
  readonly resolve: () => void;
  readonly reject: (error: ExchangeError) => void;
}

const RESOLVED: Promise<void> = Promise.resolve();

/**
 * The output of one producing task attempt, with one subpartition per consuming subtask
 * (Flink's pipelined ResultPartition). Records are packed into buffers; a buffer is handed to its
 * reader once full, once the flush timeout passes, or when an event is emitted.
 *
 * Backpressure: when a subpartition already holds `maxQueuedBuffers` finished buffers (its
 * reader has no credit, or reads slowly), the write that filled it returns a pending promise,
 * settled once the reader has taken a buffer. Await every write before the next one: a write
 * while one is pending rejects with ILLEGAL_STATE, so memory stays bounded.
 */
export class ResultPartition {
  readonly id: ResultPartitionId;
  readonly options: ResolvedResultPartitionOptions;
  private readonly subpartitions: ResultSubpartition[];
  private stateValue: ResultPartitionState = { kind: 'running' };
  private waiter: RoomWaiter | undefined;
  private flushTimer: NodeJS.Timeout | undefined;
  private releasedCount = 0;
  private readerError: ExchangeError | undefined;
  private finishPromise: Promise<void> | undefined;
  private settleFinish: { resolve: () => void; reject: (error: ExchangeError) => void } | undefined;
  private readonly disposeListeners: Array<() => void> = [];

  /**
   * @param id the producing task attempt.
   * @param numberOfSubpartitions one per consuming subtask, at least 1.
   * @throws ExchangeError INVALID_ARGUMENT
   */
  constructor(id: ResultPartitionId, numberOfSubpartitions: number, options: ResultPartitionOptions = {}) {
    this.id = validateTaskAttemptId(id, 'A result partition');
    if (!Number.isInteger(numberOfSubpartitions) || numberOfSubpartitions < 1 || numberOfSubpartitions > 1 << 16) {
      throw new ExchangeError(ExchangeErrorCode.INVALID_ARGUMENT, `A result partition needs 1 to 65536 subpartitions, not ${numberOfSubpartitions}`);
    }
    this.options = resolveResultPartitionOptions(options);
    this.subpartitions = Array.from({ length: numberOfSubpartitions }, (_, index) => new ResultSubpartition(this, index, this.options));
  }

  get state(): ResultPartitionState {
    return this.stateValue;
  }

  get numberOfSubpartitions(): number {
    return this.subpartitions.length;
  }

  /** The failure, once failed or cancelled. */
  get failure(): ExchangeError | undefined {
    return this.stateValue.kind === 'failed' ? this.stateValue.error : undefined;
  }

  /** What readers fail with once the partition has failed: PRODUCER_FAILED, naming the producer. */
  get readerFailure(): ExchangeError | undefined {
    return this.readerError;
  }

  /** Bytes the producer holds for all subpartitions: queued buffers and buffers being filled. */
  get bufferedBytes(): number {
    let total = 0;
    for (const subpartition of this.subpartitions) total += subpartition.bufferedBytes;
    return total;
  }

  /** True while a write awaits room (the producer is backpressured). */
  get isBackpressured(): boolean {
    return this.waiter !== undefined;
  }

  /** @throws ExchangeError INVALID_ARGUMENT for an index out of range. */
  subpartition(index: number): ResultSubpartition {
    const subpartition = this.subpartitions[index];
    if (subpartition === undefined) {
      throw new ExchangeError(
        ExchangeErrorCode.INVALID_ARGUMENT,
        `The partition of ${describeTask(this.id)} has subpartitions 0..${this.subpartitions.length - 1}, not ${index}`,
      );
    }
    return subpartition;
  }

  /**
   * Writes one record to one subpartition. Resolves at once while there is room; otherwise the
   * promise is pending until the reader makes room (backpressure).
   * @returns rejects with ILLEGAL_STATE after finish or while another write is pending, with
   *   INVALID_ARGUMENT for a bad index, or with the failure once the partition has failed.
   */
  write(record: Uint8Array, subpartition: number): Promise<void> {
    const problem = this.checkWritable();
    if (problem) return Promise.reject(problem);
    const target = this.subpartitions[subpartition];
    if (target === undefined) return Promise.reject(this.badIndex(subpartition));
    if (target.append(FrameKind.RECORD, record)) this.afterAppendToEmpty(target);
    else if (this.options.flushTimeoutMs === 0) target.flush();
    return target.hasRoom ? RESOLVED : this.waitForRoom([target]);
  }

  /** Writes the same record to every subpartition (a broadcast edge). */
  broadcast(record: Uint8Array): Promise<void> {
    const problem = this.checkWritable();
    if (problem) return Promise.reject(problem);
    for (const target of this.subpartitions) {
      if (target.append(FrameKind.RECORD, record)) this.afterAppendToEmpty(target);
      else if (this.options.flushTimeoutMs === 0) target.flush();
    }
    return this.subpartitions.every((target) => target.hasRoom) ? RESOLVED : this.waitForRoom(this.subpartitions);
  }

  /** Emits a watermark on every subpartition, in order with the records, and flushes. */
  emitWatermark(timestamp: number): Promise<void> {
    return this.broadcastEvent({ kind: 'watermark', timestamp });
  }

  /** Emits a barrier (reserved for checkpoints) on every subpartition and flushes. */
  emitBarrier(payload: Uint8Array): Promise<void> {
    return this.broadcastEvent({ kind: 'barrier', payload: Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength) });
  }

  /** Hands every partly filled buffer to its reader now. */
  flush(): void {
    this.clearFlushTimer();
    for (const target of this.subpartitions) target.flush();
  }

  /**
   * Ends every subpartition with end-of-partition. Resolves once every consumer has read its
   * subpartition to the end (the partition is then released); rejects if the partition fails
   * first.
   */
  finish(): Promise<void> {
    if (this.finishPromise) return this.finishPromise;
    const failure = this.failure;
    if (failure) return Promise.reject(failure);
    this.finishPromise = new Promise<void>((resolve, reject) => (this.settleFinish = { resolve, reject }));
    this.stateValue = { kind: 'finishing' };
    this.clearFlushTimer();
    for (const target of this.subpartitions) target.appendEnd();
    if (this.waiter) this.rejectWaiter(new ExchangeError(ExchangeErrorCode.ILLEGAL_STATE, `The partition of ${describeTask(this.id)} was finished during a write`));
    this.checkReleased();
    return this.finishPromise;
  }

  /**
   * Fails the partition: pending and later writes reject, every reader fails with an error
   * naming this producer, buffers are dropped. Does nothing once finished or failed.
   */
  fail(cause: unknown): void {
    if (this.stateValue.kind === 'failed' || this.stateValue.kind === 'finished') return;
    const error = cause instanceof ExchangeError ? cause : new ExchangeError(ExchangeErrorCode.PRODUCER_FAILED, `Producer ${describeTask(this.id)} failed: ${messageOf(cause)}`, { cause });
    this.stateValue = { kind: 'failed', error };
    this.clearFlushTimer();
    this.rejectWaiter(error);
    const forReaders =
      error.code === ExchangeErrorCode.PRODUCER_FAILED
        ? error
        : new ExchangeError(ExchangeErrorCode.PRODUCER_FAILED, `Producer ${describeTask(this.id)} failed: ${error.message}`, { cause: error });
    this.readerError = forReaders;
    for (const target of this.subpartitions) target.failed(forReaders);
    this.settleFinish?.reject(error);
    this.settleFinish = undefined;
    this.dispose();
  }

  /** Cancels the producer: {@link fail} with a CANCELLED error. */
  cancel(reason = 'cancelled'): void {
    this.fail(new ExchangeError(ExchangeErrorCode.CANCELLED, `Producer ${describeTask(this.id)} was cancelled: ${reason}`));
  }

  /** Runs `listener` once the partition is released (finished and fully read, or failed). */
  onDispose(listener: () => void): void {
    this.disposeListeners.push(listener);
  }

  /** @internal a reader took a buffer */
  onPolled(): void {
    const waiter = this.waiter;
    if (waiter === undefined) return;
    for (const target of waiter.subpartitions) if (!target.hasRoom) return;
    this.waiter = undefined;
    waiter.resolve();
  }

  /** @internal a reader read to the end */
  onReleased(): void {
    this.releasedCount++;
    this.checkReleased();
  }

  private broadcastEvent(event: ExchangeEvent): Promise<void> {
    const problem = this.checkWritable();
    if (problem) return Promise.reject(problem);
    let frame: { kind: FrameKind; payload: Uint8Array };
    try {
      frame = eventFrame(event);
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
    this.clearFlushTimer();
    for (const target of this.subpartitions) {
      target.append(frame.kind, frame.payload);
      target.flush();
    }
    return this.subpartitions.every((target) => target.hasRoom) ? RESOLVED : this.waitForRoom(this.subpartitions);
  }

  private checkWritable(): ExchangeError | undefined {
    switch (this.stateValue.kind) {
      case 'running':
        return this.waiter
          ? new ExchangeError(ExchangeErrorCode.ILLEGAL_STATE, `A write to the partition of ${describeTask(this.id)} was made before the previous one resolved; await each write`)
          : undefined;
      case 'failed':
        return this.stateValue.error;
      case 'finishing':
      case 'finished':
        return new ExchangeError(ExchangeErrorCode.ILLEGAL_STATE, `The partition of ${describeTask(this.id)} is finished; it takes no more writes`);
    }
  }

  private badIndex(index: number): ExchangeError {
    return new ExchangeError(
      ExchangeErrorCode.INVALID_ARGUMENT,
      `The partition of ${describeTask(this.id)} has subpartitions 0..${this.subpartitions.length - 1}, not ${index}`,
    );
  }

  private afterAppendToEmpty(target: ResultSubpartition): void {
    const timeout = this.options.flushTimeoutMs;
    if (timeout === 0) {
      target.flush();
      return;
    }
    if (this.flushTimer === undefined) {
      this.flushTimer = setTimeout(() => {
        this.flushTimer = undefined;
        for (const subpartition of this.subpartitions) subpartition.flush();
      }, timeout);
      this.flushTimer.unref();
    }
  }

  private clearFlushTimer(): void {
    if (this.flushTimer !== undefined) {
      clearTimeout(this.flushTimer);
      this.flushTimer = undefined;
    }
  }

  private waitForRoom(subpartitions: readonly ResultSubpartition[]): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.waiter = { subpartitions, resolve, reject };
    });
  }

  private rejectWaiter(error: ExchangeError): void {
    const waiter = this.waiter;
    this.waiter = undefined;
    waiter?.reject(error);
  }

  private checkReleased(): void {
    if (this.stateValue.kind !== 'finishing' || this.releasedCount < this.subpartitions.length) return;
    this.stateValue = { kind: 'finished' };
    this.settleFinish?.resolve();
    this.settleFinish = undefined;
    this.dispose();
  }

  private dispose(): void {
    const listeners = this.disposeListeners.splice(0);
    for (const listener of listeners) listener();
  }
}

/** The message of an error, or the value as text. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
