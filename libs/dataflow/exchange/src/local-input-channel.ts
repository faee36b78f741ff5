import { ExchangeError, ExchangeErrorCode } from './errors';
import { AbstractInputChannel, describeChannel } from './input-channel';
import type { PartitionRegistry } from './partition-registry';
import type { ResultSubpartition, SubpartitionReader } from './result-partition';
import type { ResultPartitionId, TaskAttemptId } from './task-attempt';

/**
 * An input channel to a producer in the same process (Flink's LocalInputChannel): it reads the
 * subpartition's buffers directly, no copy and no credit messages. The backpressure is the same
 * as remote: the producer's `write` awaits while the subpartition holds `maxQueuedBuffers`
 * unread buffers. A consumer that starts first waits for the partition to be registered.
 */
export class LocalInputChannel extends AbstractInputChannel implements SubpartitionReader {
  private source: ResultSubpartition | undefined;

  /** @internal use {@link PartitionRegistry.openLocalChannel} */
  constructor(
    registry: PartitionRegistry,
    partition: ResultPartitionId,
    subpartition: number,
    consumer: TaskAttemptId,
    partitionRequestTimeoutMs: number,
  ) {
    super(partition, subpartition, consumer);
    registry.whenRegistered(partition, partitionRequestTimeoutMs, `the ${describeChannel(this)}`).then(
      (resultPartition) => {
        if (this.isClosed) return;
        try {
          const source = resultPartition.subpartition(subpartition);
          source.attach(this);
          this.source = source;
        } catch (error) {
          this.fail(error instanceof ExchangeError ? error : new ExchangeError(ExchangeErrorCode.PRODUCER_FAILED, String(error)));
        }
      },
      (error: ExchangeError) => this.fail(error),
    );
  }

  get queuedBuffers(): number {
    return this.source?.backlog ?? 0;
  }

  notifyAvailable(): void {
    this.signal();
  }

  notifyFailed(error: ExchangeError): void {
    this.source = undefined;
    this.fail(error);
  }

  protected takeBuffer(): Buffer | undefined {
    return this.source?.poll();
  }

  protected onEnd(): void {
    this.source?.release();
    this.source = undefined;
  }

  protected onAbort(error: ExchangeError): void {
    const source = this.source;
    this.source = undefined;
    source?.detach(new ExchangeError(ExchangeErrorCode.CONSUMER_FAILED, `The ${describeChannel(this)} went away: ${error.message}`, { cause: error }));
  }
}
