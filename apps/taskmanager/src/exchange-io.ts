// The runtime's Output and InputElement over the data exchange: records are encodeRecord bytes
// in the producer's result partition, and the consumer's channels merge into one input.
import type { ExchangeElement, InputChannel, ResultPartition } from '@mesoflow/dataflow-exchange';
import { decodeRecord, encodeRecord, type InputElement, type Output, type StreamRecord } from '@mesoflow/dataflow-runtime';

type Operation =
  | { readonly kind: 'record'; readonly bytes: Buffer; readonly target: number }
  | { readonly kind: 'watermark'; readonly timestamp: number }
  | { readonly kind: 'end' };

/**
 * One outgoing edge into one result partition. The partition takes one write at a time, and a
 * chain may emit several records per input element, so elements written while a write waits for
 * room queue here (in order) and `writable()` stays pending until they are all written.
 */
export class PartitionOutput implements Output {
  private readonly queue: Operation[] = [];
  private draining: Promise<void> | undefined;
  private failure: Error | undefined;
  private finished: Promise<void> | undefined;
  private ended = false;

  constructor(
    readonly partition: ResultPartition,
    private readonly onFailure: (error: unknown) => void,
  ) {}

  sendRecord(record: StreamRecord, target: number): void {
    this.push({ kind: 'record', bytes: encodeRecord(record), target });
  }

  sendWatermark(timestamp: number): void {
    this.push({ kind: 'watermark', timestamp });
  }

  sendEnd(): void {
    if (this.ended) return;
    this.ended = true;
    this.push({ kind: 'end' });
  }

  writable(): Promise<void> | undefined {
    return this.draining;
  }

  /**
   * Resolves once every queued element is written and, after `sendEnd`, every consumer has read
   * the partition to its end; rejects when the partition failed.
   */
  async done(): Promise<void> {
    while (this.draining !== undefined) await this.draining;
    if (this.failure !== undefined) throw this.failure;
    await this.finished;
  }

  private push(operation: Operation): void {
    if (this.failure !== undefined) return;
    if (this.draining !== undefined) {
      this.queue.push(operation);
      return;
    }
    const pending = this.execute(operation);
    if (pending !== undefined) this.drainAfter(pending);
  }

  /** Starts one operation; a promise when it waits for room. */
  private execute(operation: Operation): Promise<void> | undefined {
    const partition = this.partition;
    let promise: Promise<void>;
    let room: boolean;
    switch (operation.kind) {
      case 'record':
        promise = partition.write(operation.bytes, operation.target);
        room = operation.target < partition.numberOfSubpartitions && partition.subpartition(operation.target).hasRoom;
        break;
      case 'watermark':
        promise = partition.emitWatermark(operation.timestamp);
        room = allHaveRoom(partition);
        break;
      case 'end':
        this.finished = partition.finish();
        this.finished.catch((error: unknown) => this.fail(error));
        return undefined;
    }
    if (room) {
      promise.catch((error: unknown) => this.fail(error));
      return undefined;
    }
    return promise;
  }

  private drainAfter(first: Promise<void>): void {
    this.draining = (async () => {
      try {
        await first;
        for (let next = this.queue.shift(); next !== undefined; next = this.queue.shift()) {
          const pending = this.execute(next);
          if (pending !== undefined) await pending;
          if (this.failure !== undefined) return;
        }
      } catch (error) {
        this.fail(error);
      } finally {
        this.draining = undefined;
      }
    })();
  }

  private fail(error: unknown): void {
    if (this.failure !== undefined) return;
    this.failure = error instanceof Error ? error : new Error(String(error));
    this.queue.length = 0;
    this.onFailure(error);
  }
}

function allHaveRoom(partition: ResultPartition): boolean {
  for (let index = 0; index < partition.numberOfSubpartitions; index++) {
    if (!partition.subpartition(index).hasRoom) return false;
  }
  return true;
}

/** One input channel of a consuming subtask: which incoming edge, which producer subtask. */
export interface TaggedChannel {
  readonly edge: number;
  readonly channel: number;
  readonly input: InputChannel;
}

/**
 * Every element of every channel, merged in arrival order (each channel's order kept), with an
 * `end` element when a channel reaches end-of-partition. At most one batch per channel waits
 * here beyond the channel's own credit. The first channel failure rejects; leaving early
 * cancels the channels.
 */
export async function* mergeChannels(channels: readonly TaggedChannel[]): AsyncGenerator<InputElement> {
  const ready: Array<{ readonly index: number; readonly elements: ExchangeElement[] | null }> = [];
  let failure: { error: Error } | undefined;
  let wake: (() => void) | undefined;
  const signal = (): void => {
    const waiting = wake;
    wake = undefined;
    waiting?.();
  };
  const readNext = (index: number): void => {
    channels[index].input.readBatch().then(
      (elements) => {
        ready.push({ index, elements });
        signal();
      },
      (error: unknown) => {
        failure ??= { error: error instanceof Error ? error : new Error(String(error)) };
        signal();
      },
    );
  };
  channels.forEach((_, index) => readNext(index));
  let open = channels.length;
  let completed = false;
  try {
    while (open > 0) {
      if (failure !== undefined) throw failure.error;
      const batch = ready.shift();
      if (batch === undefined) {
        await new Promise<void>((resolve) => (wake = resolve));
        continue;
      }
      const { edge, channel } = channels[batch.index];
      if (batch.elements === null) {
        open--;
        yield { edge, channel, element: { kind: 'end' } };
        continue;
      }
      readNext(batch.index);
      for (const element of batch.elements) {
        if (Buffer.isBuffer(element)) {
          yield { edge, channel, element: { kind: 'record', record: decodeRecord(element) } };
        } else if (element.kind === 'watermark') {
          yield { edge, channel, element: { kind: 'watermark', timestamp: element.timestamp } };
        }
        // Barriers are reserved for checkpoints; end-of-partition comes as `null` above.
      }
    }
    completed = true;
  } finally {
    if (!completed) for (const { input } of channels) input.cancel('the consuming subtask stopped before the end of its input');
  }
}
