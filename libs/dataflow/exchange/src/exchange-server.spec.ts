import { status } from '@grpc/grpc-js';
import { EventEmitter } from 'node:events';
import { ExchangeErrorCode } from './errors';
import { DataExchangeHandler, type ReadSubpartitionCall } from './exchange-server';
import { decodeFrames } from './frames';
import type { ConsumerMessage, ProducerMessage } from './messages';
import { PartitionRegistry } from './partition-registry';

const PRODUCER = { jobId: 'job-7', vertexId: 'map', subtaskIndex: 0, attempt: 0 };

/** A ReadSubpartition call without a network: records what the server writes and how it ends. */
class FakeCall extends EventEmitter {
  readonly written: ProducerMessage[] = [];
  ended = false;
  status: { code: number; details: string } | undefined;

  constructor() {
    super();
    this.on('error', (error: { code: number; details: string }) => (this.status = error));
  }
  write(message: ProducerMessage): boolean {
    this.written.push(message);
    return true;
  }
  end(): void {
    this.ended = true;
  }
  send(message: ConsumerMessage): void {
    this.emit('data', message);
  }
}

function serve(registry: PartitionRegistry): FakeCall {
  const call = new FakeCall();
  new DataExchangeHandler(registry).readSubpartition(call as unknown as ReadSubpartitionCall);
  return call;
}

function open(credit: number, subpartition = 0): ConsumerMessage {
  return {
    open: {
      partition: { job_id: 'job-7', vertex_id: 'map', subtask_index: 0, attempt: 0 },
      subpartition,
      credit,
      consumer: { job_id: 'job-7', vertex_id: 'sink', subtask_index: 0, attempt: 0 },
    },
  };
}

describe('DataExchangeHandler credits', () => {
  it('sends one buffer per credit and no more', async () => {
    const registry = new PartitionRegistry();
    const partition = registry.createPartition(PRODUCER, 1, { bufferSize: 64, flushTimeoutMs: 0, maxQueuedBuffers: 10 });
    const call = serve(registry);
    call.send(open(2));
    for (let i = 0; i < 5; i++) await partition.write(Buffer.from([i]), 0);
    expect(call.written.map((message) => message.buffer?.sequence)).toEqual([0, 1]);
    expect(partition.subpartition(0).backlog).toBe(3);
    call.send({ credit: { buffers: 1 } });
    expect(call.written).toHaveLength(3);
    // The backlog behind the buffer sent tells the consumer how much more is waiting.
    expect(call.written[2].buffer?.backlog).toBe(2);
    call.send({ credit: { buffers: 10 } });
    expect(call.written).toHaveLength(5);
    const records = call.written.flatMap((message) => decodeFrames(Buffer.from(message.buffer!.frames!)));
    expect(records).toEqual([0, 1, 2, 3, 4].map((i) => Buffer.from([i])));
    // Unused credit is spent as soon as buffers appear.
    await partition.write(Buffer.from([5]), 0);
    expect(call.written).toHaveLength(6);
  });

  it('releases the subpartition once the consumer half-closes after end-of-partition', async () => {
    const registry = new PartitionRegistry();
    const partition = registry.createPartition(PRODUCER, 1);
    const call = serve(registry);
    call.send(open(1));
    const finished = partition.finish();
    expect(call.written).toHaveLength(1);
    call.emit('end');
    await finished;
    expect(call.ended).toBe(true);
    expect(registry.size).toBe(0);
  });

  it('answers NOT_FOUND for an unregistered partition and ABORTED for a failed one', () => {
    const registry = new PartitionRegistry();
    const missing = serve(registry);
    missing.send(open(1));
    expect(missing.status?.code).toBe(status.NOT_FOUND);
    registry.createPartition(PRODUCER, 1).fail(new Error('boom'));
    const late = serve(registry);
    late.send(open(1));
    expect(late.status?.code).toBe(status.ABORTED);
    expect(late.status?.details).toBe("Producer job 'job-7' vertex 'map' subtask 0 attempt 0 failed: boom");
  });

  it('rejects a bad subpartition and a call that does not open first', () => {
    const registry = new PartitionRegistry();
    registry.createPartition(PRODUCER, 1);
    const bad = serve(registry);
    bad.send(open(1, 3));
    expect(bad.status?.code).toBe(status.INVALID_ARGUMENT);
    const unopened = serve(registry);
    unopened.send({ credit: { buffers: 1 } });
    expect(unopened.status?.code).toBe(status.INVALID_ARGUMENT);
  });

  it('fails the producer, naming the consumer, when the call is cancelled', async () => {
    const registry = new PartitionRegistry();
    const partition = registry.createPartition(PRODUCER, 1);
    const call = serve(registry);
    call.send(open(1));
    call.emit('cancelled');
    expect(partition.failure?.code).toBe(ExchangeErrorCode.CONSUMER_FAILED);
    expect(partition.failure?.message).toBe(
      "The consumer job 'job-7' vertex 'sink' subtask 0 attempt 0 reading subpartition 0 of producer job 'job-7' vertex 'map' subtask 0 attempt 0 went away: it cancelled the call or its connection dropped",
    );
    await expect(partition.write(Buffer.from('x'), 0)).rejects.toThrow(/went away/);
  });
});
