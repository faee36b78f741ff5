import { status, type ClientDuplexStream, type ServiceError } from '@grpc/grpc-js';
import { ExchangeError, ExchangeErrorCode } from './errors';
import { AbstractInputChannel, describeChannel } from './input-channel';
import type { ConsumerMessage, ProducerMessage } from './messages';
import type { ResolvedInputChannelOptions } from './options';
import { partitionNotFound } from './partition-registry';
import { describeTask, type ResultPartitionId, type TaskAttemptId } from './task-attempt';

/** Opens a ReadSubpartition call on the producer's TaskManager. */
export type ReadSubpartitionOpener = () => ClientDuplexStream<ConsumerMessage, ProducerMessage>;

const FIRST_RETRY_MS = 10;
const MAX_RETRY_MS = 500;

/**
 * An input channel to a producer in another process (Flink's RemoteInputChannel), over one
 * ReadSubpartition call. It grants `credit` buffers when it opens and one more for each buffer
 * read, so it never holds more than `credit` unread buffers. While the producer's partition is
 * not registered (NOT_FOUND) it retries with backoff until the partition request timeout.
 */
export class RemoteInputChannel extends AbstractInputChannel {
  private readonly queue: Buffer[] = [];
  private call: ClientDuplexStream<ConsumerMessage, ProducerMessage> | undefined;
  private expectedSequence = 0;
  private readonly deadline: number;
  private retryMs = FIRST_RETRY_MS;
  private retryTimer: NodeJS.Timeout | undefined;

  /** @internal use {@link ExchangeClient.openChannel} */
  constructor(
    private readonly openCall: ReadSubpartitionOpener,
    private readonly target: string,
    partition: ResultPartitionId,
    subpartition: number,
    consumer: TaskAttemptId,
    private readonly options: ResolvedInputChannelOptions,
  ) {
    super(partition, subpartition, consumer);
    this.deadline = Date.now() + options.partitionRequestTimeoutMs;
    this.connect();
  }

  get queuedBuffers(): number {
    return this.queue.length;
  }

  protected takeBuffer(): Buffer | undefined {
    const buffer = this.queue.shift();
    if (buffer !== undefined) this.call?.write({ credit: { buffers: 1 } });
    return buffer;
  }

  protected onEnd(): void {
    const call = this.call;
    this.call = undefined;
    call?.end();
  }

  protected onAbort(error: ExchangeError): void {
    this.clearRetry();
    this.queue.length = 0;
    const call = this.call;
    this.call = undefined;
    if (call === undefined) return;
    call.write({ cancel: { reason: error.message } });
    call.end();
  }

  private connect(): void {
    const call = this.openCall();
    this.call = call;
    call.on('data', (message: ProducerMessage) => this.onMessage(call, message));
    call.on('error', (error: ServiceError) => this.onCallError(call, error));
    call.on('end', () => this.onCallEnd(call));
    const { partition, consumer } = this;
    call.write({
      open: {
        partition: { job_id: partition.jobId, vertex_id: partition.vertexId, subtask_index: partition.subtaskIndex, attempt: partition.attempt },
        subpartition: this.subpartition,
        credit: this.options.credit,
        consumer: { job_id: consumer.jobId, vertex_id: consumer.vertexId, subtask_index: consumer.subtaskIndex, attempt: consumer.attempt },
      },
    });
  }

  private onMessage(call: ClientDuplexStream<ConsumerMessage, ProducerMessage>, message: ProducerMessage): void {
    if (call !== this.call || this.isClosed) return;
    const buffer = message.buffer;
    const frames = buffer?.frames;
    const sequence = buffer?.sequence ?? 0;
    if (!frames || sequence !== this.expectedSequence || this.queue.length >= this.options.credit) {
      const problem = !frames
        ? 'a message without a buffer'
        : sequence !== this.expectedSequence
          ? `buffer ${sequence} where ${this.expectedSequence} was expected`
          : `more buffers than its credit of ${this.options.credit}`;
      const error = new ExchangeError(ExchangeErrorCode.FRAMING, `The ${describeChannel(this)} received ${problem}`);
      this.fail(error);
      this.onAbort(error);
      return;
    }
    this.expectedSequence++;
    this.queue.push(Buffer.isBuffer(frames) ? frames : Buffer.from(frames.buffer, frames.byteOffset, frames.byteLength));
    if (this.queue.length === 1) this.signal();
  }

  private onCallError(call: ClientDuplexStream<ConsumerMessage, ProducerMessage>, error: ServiceError): void {
    if (call !== this.call || this.isClosed) return;
    this.call = undefined;
    if (error.code === status.NOT_FOUND && this.expectedSequence === 0) {
      const remaining = this.deadline - Date.now();
      if (remaining <= 0) {
        this.fail(partitionNotFound(this.partition, this.options.partitionRequestTimeoutMs, `the ${describeChannel(this)} at '${this.target}'`));
        return;
      }
      this.retryTimer = setTimeout(() => {
        this.retryTimer = undefined;
        if (!this.isClosed) this.connect();
      }, Math.min(this.retryMs, remaining));
      this.retryMs = Math.min(this.retryMs * 2, MAX_RETRY_MS);
      return;
    }
    this.fail(this.callFailure(error));
  }

  /** The channel's error for a call that ended with `error`, naming the producer. */
  private callFailure(error: ServiceError): ExchangeError {
    const refused = `The ${describeChannel(this)} was refused: ${error.details}`;
    if (error.code === status.ABORTED) {
      return new ExchangeError(ExchangeErrorCode.PRODUCER_FAILED, `The ${describeChannel(this)} failed: ${error.details}`, { cause: error });
    }
    if (error.code === status.FAILED_PRECONDITION) return new ExchangeError(ExchangeErrorCode.SUBPARTITION_IN_USE, refused, { cause: error });
    if (error.code === status.INVALID_ARGUMENT) return new ExchangeError(ExchangeErrorCode.INVALID_ARGUMENT, refused, { cause: error });
    // Anything else (UNAVAILABLE, CANCELLED, INTERNAL, ...) means the call or connection broke.
    return new ExchangeError(
      ExchangeErrorCode.PRODUCER_FAILED,
      `Producer ${describeTask(this.partition)} went away: the ${describeChannel(this)} at '${this.target}' lost its call (${status[error.code]}: ${error.details})`,
      { cause: error },
    );
  }

  private onCallEnd(call: ClientDuplexStream<ConsumerMessage, ProducerMessage>): void {
    if (call !== this.call || this.isClosed) return;
    // OK before end-of-partition: the data is incomplete, so the producer counts as gone.
    this.call = undefined;
    this.fail(new ExchangeError(ExchangeErrorCode.PRODUCER_FAILED, `Producer ${describeTask(this.partition)} ended the ${describeChannel(this)} before the end of the partition`));
  }

  private clearRetry(): void {
    if (this.retryTimer !== undefined) clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
  }
}
