import { Client, credentials, Server, ServerCredentials, type ClientDuplexStream } from '@grpc/grpc-js';
import { Module } from '@nestjs/common';
import { bootstrapService } from '@mesoflow/service';
import { DATA_EXCHANGE_GRPC } from '@mesoflow/proto';
import { freePort, rejectionOf, waitFor } from '@mesoflow/testing';
import pino from 'pino';
import { ExchangeError, ExchangeErrorCode } from './errors';
import { ExchangeClient } from './exchange-client';
import { addDataExchangeService, DataExchangeController } from './exchange-server';
import { isRecord, type ExchangeElement } from './frames';
import type { InputChannel } from './input-channel';
import { InputGate } from './input-gate';
import { dataExchangeServiceDefinition, type ConsumerMessage, type ProducerMessage } from './messages';
import type { InputChannelOptions, ResultPartitionOptions } from './options';
import { PartitionRegistry } from './partition-registry';
import type { ResultPartition } from './result-partition';
import type { ResultPartitionId, TaskAttemptId } from './task-attempt';

/** One TaskManager's exchange: its partitions, its server (remote mode) and its client. */
interface TaskManager {
  readonly registry: PartitionRegistry;
  readonly target: string;
  readonly server: Server | undefined;
  readonly client: ExchangeClient | undefined;
}

type Mode = 'grpc' | 'local';

let jobCounter = 0;
function newJobId(): string {
  return `job-${process.pid}-${++jobCounter}`;
}

function producerId(jobId: string, subtaskIndex: number): ResultPartitionId {
  return { jobId, vertexId: 'source', subtaskIndex, attempt: 0 };
}

function consumerId(jobId: string, subtaskIndex: number): TaskAttemptId {
  return { jobId, vertexId: 'sink', subtaskIndex, attempt: 0 };
}

async function startTaskManager(mode: Mode, shared?: PartitionRegistry): Promise<TaskManager> {
  const registry = shared ?? new PartitionRegistry();
  if (mode === 'local') return { registry, target: 'local', server: undefined, client: undefined };
  const server = new Server();
  addDataExchangeService(server, registry);
  const port = await freePort();
  await new Promise<void>((resolve, reject) =>
    server.bindAsync(`127.0.0.1:${port}`, ServerCredentials.createInsecure(), (error) => (error ? reject(error) : resolve())),
  );
  return { registry, target: `127.0.0.1:${port}`, server, client: new ExchangeClient() };
}

async function stopTaskManager(taskManager: TaskManager): Promise<void> {
  taskManager.client?.close();
  const server = taskManager.server;
  if (server) await new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
}

async function readAll(channel: InputChannel): Promise<ExchangeElement[]> {
  const out: ExchangeElement[] = [];
  for await (const element of channel) out.push(element);
  return out;
}

/** True unless the promise settles within a few event-loop turns. */
async function isPending(promise: Promise<unknown>): Promise<boolean> {
  let settled = false;
  promise.then(
    () => (settled = true),
    () => (settled = true),
  );
  for (let i = 0; i < 3; i++) await new Promise((resolve) => setImmediate(resolve));
  return !settled;
}

describe.each<Mode>(['grpc', 'local'])('data exchange (%s)', (mode) => {
  let producerSide: TaskManager;
  let consumerSide: TaskManager;

  beforeEach(async () => {
    producerSide = await startTaskManager(mode);
    consumerSide = mode === 'local' ? producerSide : await startTaskManager(mode);
  });

  afterEach(async () => {
    await stopTaskManager(producerSide);
    if (consumerSide !== producerSide) await stopTaskManager(consumerSide);
  });

  function createPartition(id: ResultPartitionId, subpartitions: number, options: ResultPartitionOptions = {}, on: TaskManager = producerSide): ResultPartition {
    return on.registry.createPartition(id, subpartitions, options);
  }

  function openChannel(partition: ResultPartitionId, subpartition: number, consumer: TaskAttemptId, options: InputChannelOptions = {}, producer: TaskManager = producerSide): InputChannel {
    if (mode === 'local') return producer.registry.openLocalChannel(partition, subpartition, consumer, options);
    return consumerSide.client!.openChannel(producer.target, { partition, subpartition, consumer }, options);
  }

  it('delivers 1M small records in order from 2 producers to 2 consumers', async () => {
    const jobId = newJobId();
    const perPair = 250_000;
    // The two producers run on two TaskManagers (one of them the consumers').
    const producerManagers = [producerSide, consumerSide];
    const producers = [0, 1].map((p) => createPartition(producerId(jobId, p), 2, {}, producerManagers[p]));
    const gates = [0, 1].map((c) => new InputGate([0, 1].map((p) => openChannel(producerId(jobId, p), c, consumerId(jobId, c), {}, producerManagers[p]))));

    const produce = async (partition: ResultPartition, p: number): Promise<void> => {
      for (let sequence = 0; sequence < perPair; sequence++) {
        for (let c = 0; c < 2; c++) {
          const record = Buffer.allocUnsafe(12);
          record.writeUInt32BE(p, 0);
          record.writeUInt32BE(c, 4);
          record.writeUInt32BE(sequence, 8);
          await partition.write(record, c);
        }
      }
      await partition.finish();
    };
    const consume = async (gate: InputGate, c: number): Promise<number[]> => {
      const next = [0, 0];
      for (let batch = await gate.readBatch(); batch !== null; batch = await gate.readBatch()) {
        for (const element of batch.elements) {
          if (!isRecord(element)) throw new Error(`unexpected event ${element.kind}`);
          const p = element.readUInt32BE(0);
          if (p !== batch.channel || element.readUInt32BE(4) !== c || element.readUInt32BE(8) !== next[p]) {
            throw new Error(`consumer ${c} got producer ${p}'s record ${element.readUInt32BE(8)} on channel ${batch.channel}, expected ${next[p]}`);
          }
          next[p]++;
        }
      }
      return next;
    };

    const [received] = await Promise.all([Promise.all(gates.map(consume)), ...producers.map(produce)]);
    expect(received).toEqual([
      [perPair, perPair],
      [perPair, perPair],
    ]);
    expect(producerSide.registry.size + consumerSide.registry.size).toBe(0);
  }, 60_000);

  it('keeps watermarks and barriers in order with the records', async () => {
    const jobId = newJobId();
    const partition = createPartition(producerId(jobId, 0), 1);
    const channel = openChannel(producerId(jobId, 0), 0, consumerId(jobId, 0));
    await partition.write(Buffer.from('a'), 0);
    await partition.emitWatermark(1000);
    await partition.write(Buffer.from('b'), 0);
    await partition.emitBarrier(Buffer.from([1]));
    const finished = partition.finish();
    expect(await readAll(channel)).toEqual<ExchangeElement[]>([
      Buffer.from('a'),
      { kind: 'watermark', timestamp: 1000 },
      Buffer.from('b'),
      { kind: 'barrier', payload: Buffer.from([1]) },
    ]);
    await finished;
  });

  it('bounds the buffered bytes when the consumer stops reading (backpressure)', async () => {
    const jobId = newJobId();
    const bufferSize = 32 * 1024;
    const maxQueuedBuffers = 4;
    const credit = 4;
    const partition = createPartition(producerId(jobId, 0), 1, { bufferSize, maxQueuedBuffers, flushTimeoutMs: 5 });
    const channel = openChannel(producerId(jobId, 0), 0, consumerId(jobId, 0), { credit });
    const record = Buffer.alloc(100, 7);

    // Write until a write stays pending: the consumer reads nothing, so the producer must stop.
    let written = 0;
    let pending: Promise<void> | undefined;
    while (written < 1_000_000) {
      const write = partition.write(record, 0);
      written++;
      if (await isPending(write)) {
        pending = write;
        break;
      }
    }
    expect(pending).toBeDefined();
    if (mode === 'grpc') await waitFor(() => channel.queuedBuffers === credit, { timeoutMs: 5000, description: 'the credit to be used up' });
    expect(await isPending(pending!)).toBe(true);
    const producerBytes = partition.bufferedBytes;
    const consumerBytes = mode === 'grpc' ? channel.queuedBuffers * bufferSize : 0;
    expect(producerBytes).toBeLessThanOrEqual((maxQueuedBuffers + 1) * bufferSize);
    expect(consumerBytes).toBeLessThanOrEqual(credit * bufferSize);
    const framed = record.length + 5;
    const inFlightRecords = written - (producerBytes + consumerBytes) / framed;
    // Whatever is not held by the two ends is in gRPC/HTTP2 windows: bounded too (64 KiB-ish).
    expect(inFlightRecords * framed).toBeLessThanOrEqual(4 * bufferSize);

    // Reading resumes the producer; every record arrives.
    const reading = readAll(channel);
    await pending;
    for (let i = 0; i < 10_000; i++) await partition.write(record, 0);
    await partition.finish();
    expect((await reading).length).toBe(written + 10_000);
  });

  it('fails the consumer with an error naming the producer when the producer fails', async () => {
    const jobId = newJobId();
    const partition = createPartition(producerId(jobId, 1), 1);
    const channel = openChannel(producerId(jobId, 1), 0, consumerId(jobId, 0));
    await partition.write(Buffer.from('a'), 0);
    partition.flush();
    expect(await channel.readBatch()).toEqual([Buffer.from('a')]);
    partition.fail(new Error('user function threw'));
    const error = await rejectionOf<ExchangeError>(channel.readBatch());
    expect(error.code).toBe(ExchangeErrorCode.PRODUCER_FAILED);
    expect(error.message).toContain(`Producer job '${jobId}' vertex 'source' subtask 1 attempt 0 failed: user function threw`);
  });

  it('fails the consumer when the producer is cancelled', async () => {
    const jobId = newJobId();
    const partition = createPartition(producerId(jobId, 0), 1);
    const channel = openChannel(producerId(jobId, 0), 0, consumerId(jobId, 0));
    const reading = channel.readBatch();
    partition.cancel('the job was cancelled');
    const error = await rejectionOf<ExchangeError>(reading);
    expect(error.code).toBe(ExchangeErrorCode.PRODUCER_FAILED);
    expect(error.message).toContain(`Producer job '${jobId}' vertex 'source' subtask 0 attempt 0 was cancelled: the job was cancelled`);
  });

  it('fails the producer with an error naming the consumer when the consumer cancels', async () => {
    const jobId = newJobId();
    const partition = createPartition(producerId(jobId, 0), 2, { bufferSize: 1024, maxQueuedBuffers: 1 });
    const channel = openChannel(producerId(jobId, 0), 1, consumerId(jobId, 1), { credit: 1 });
    let write: Promise<void> = Promise.resolve();
    while (!(await isPending(write))) write = partition.write(Buffer.alloc(100), 1);
    channel.cancel('the task was cancelled');
    const error = await rejectionOf<ExchangeError>(write);
    expect(error.code).toBe(ExchangeErrorCode.CONSUMER_FAILED);
    expect(error.message).toContain(`consumer job '${jobId}' vertex 'sink' subtask 1 attempt 0 reading subpartition 1 of producer job '${jobId}' vertex 'source' subtask 0 attempt 0`);
    expect(error.message).toContain('the task was cancelled');
    expect((await rejectionOf<ExchangeError>(channel.readBatch())).code).toBe(ExchangeErrorCode.CANCELLED);
  });

  it('lets a consumer start before the producer registers its partition', async () => {
    const jobId = newJobId();
    const channel = openChannel(producerId(jobId, 0), 0, consumerId(jobId, 0), { partitionRequestTimeoutMs: 5000 });
    const reading = readAll(channel);
    expect(await isPending(reading)).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 100)); // the consumer's first requests find nothing
    const partition = createPartition(producerId(jobId, 0), 1);
    await partition.write(Buffer.from('late'), 0);
    await partition.finish();
    expect(await reading).toEqual([Buffer.from('late')]);
  });

  it('fails with PARTITION_NOT_FOUND when the producer never registers', async () => {
    const jobId = newJobId();
    const channel = openChannel(producerId(jobId, 4), 0, consumerId(jobId, 0), { partitionRequestTimeoutMs: 200 });
    const error = await rejectionOf<ExchangeError>(channel.readBatch());
    expect(error.code).toBe(ExchangeErrorCode.PARTITION_NOT_FOUND);
    expect(error.message).toContain(`The partition of producer job '${jobId}' vertex 'source' subtask 4 attempt 0 was not found within 200 ms`);
  });

  it('refuses a second reader of the same subpartition', async () => {
    const jobId = newJobId();
    createPartition(producerId(jobId, 0), 1);
    const first = openChannel(producerId(jobId, 0), 0, consumerId(jobId, 0));
    if (mode === 'grpc') await waitFor(() => producerSide.registry.get(producerId(jobId, 0)) !== undefined);
    await isPending(first.readBatch());
    const second = openChannel(producerId(jobId, 0), 0, consumerId(jobId, 0));
    const error = await rejectionOf<ExchangeError>(second.readBatch());
    expect(error.code).toBe(ExchangeErrorCode.SUBPARTITION_IN_USE);
    first.cancel();
  });
});

describe('data exchange over gRPC: processes that go away', () => {
  let producerSide: TaskManager;
  let consumerSide: TaskManager;

  beforeEach(async () => {
    producerSide = await startTaskManager('grpc');
    consumerSide = await startTaskManager('grpc');
  });

  afterEach(async () => {
    await stopTaskManager(producerSide);
    await stopTaskManager(consumerSide);
  });

  it('fails the consumer when the producer TaskManager goes away', async () => {
    const jobId = newJobId();
    const partition = producerSide.registry.createPartition(producerId(jobId, 0), 1);
    const channel = consumerSide.client!.openChannel(producerSide.target, { partition: producerId(jobId, 0), subpartition: 0, consumer: consumerId(jobId, 0) });
    await partition.write(Buffer.from('a'), 0);
    partition.flush();
    expect(await channel.readBatch()).toEqual([Buffer.from('a')]);
    producerSide.server!.forceShutdown();
    const error = await rejectionOf<ExchangeError>(channel.readBatch());
    expect(error.code).toBe(ExchangeErrorCode.PRODUCER_FAILED);
    expect(error.message).toContain(`Producer job '${jobId}' vertex 'source' subtask 0 attempt 0 went away`);
    expect(error.message).toContain(producerSide.target);
  });

  it('fails the producer when the consumer goes away (its call is cut)', async () => {
    const jobId = newJobId();
    const partition = producerSide.registry.createPartition(producerId(jobId, 0), 1, { bufferSize: 1024, maxQueuedBuffers: 1 });
    // A consumer whose process dies: the call is cut without a cancel message.
    const method = dataExchangeServiceDefinition().ReadSubpartition;
    const client = new Client(producerSide.target, credentials.createInsecure());
    const call: ClientDuplexStream<ConsumerMessage, ProducerMessage> = client.makeBidiStreamRequest(
      method.path,
      method.requestSerialize as (value: ConsumerMessage) => Buffer,
      method.responseDeserialize as (bytes: Buffer) => ProducerMessage,
    );
    call.on('error', () => undefined);
    call.write({
      open: {
        partition: { job_id: jobId, vertex_id: 'source', subtask_index: 0, attempt: 0 },
        subpartition: 0,
        credit: 1,
        consumer: { job_id: jobId, vertex_id: 'sink', subtask_index: 0, attempt: 2 },
      },
    });
    call.on('data', () => undefined);
    let write: Promise<void> = Promise.resolve();
    while (!(await isPending(write))) write = partition.write(Buffer.alloc(100), 0);
    call.cancel();
    const error = await rejectionOf<ExchangeError>(write);
    expect(error.code).toBe(ExchangeErrorCode.CONSUMER_FAILED);
    expect(error.message).toContain(`consumer job '${jobId}' vertex 'sink' subtask 0 attempt 2 reading subpartition 0 of producer job '${jobId}' vertex 'source' subtask 0 attempt 0 went away`);
    client.close();
  });
});

@Module({})
class ExchangeModule {
  static forRegistry(registry: PartitionRegistry): { module: typeof ExchangeModule; controllers: Array<typeof DataExchangeController>; providers: Array<{ provide: typeof PartitionRegistry; useValue: PartitionRegistry }> } {
    return { module: ExchangeModule, controllers: [DataExchangeController], providers: [{ provide: PartitionRegistry, useValue: registry }] };
  }
}

describe('data exchange in a Nest service', () => {
  it('serves partitions through DataExchangeController', async () => {
    const registry = new PartitionRegistry();
    const grpcPort = await freePort();
    const service = await bootstrapService({
      name: 'exchange-test',
      module: ExchangeModule.forRegistry(registry),
      http: { port: 0, host: '127.0.0.1' },
      grpc: { url: `127.0.0.1:${grpcPort}`, package: DATA_EXCHANGE_GRPC.packageName, protoPath: DATA_EXCHANGE_GRPC.protoFile },
      logger: pino({ level: 'silent' }),
      shutdownSignals: false,
    });
    const client = new ExchangeClient();
    try {
      const jobId = newJobId();
      const partition = registry.createPartition(producerId(jobId, 0), 1);
      const channel = client.openChannel(`127.0.0.1:${grpcPort}`, { partition: producerId(jobId, 0), subpartition: 0, consumer: consumerId(jobId, 0) });
      for (let i = 0; i < 1000; i++) await partition.write(Buffer.from([i & 0xff]), 0);
      const finished = partition.finish();
      expect((await readAll(channel)).length).toBe(1000);
      await finished;
    } finally {
      client.close();
      await service.close();
    }
  });
});
