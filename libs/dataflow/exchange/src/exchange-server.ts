import { status, type Server, type ServerDuplexStream } from '@grpc/grpc-js';
import { Controller, Inject } from '@nestjs/common';
import { GrpcStreamCall } from '@nestjs/microservices';
import { DATA_EXCHANGE_GRPC } from '@mesoflow/proto';
import { ExchangeError, ExchangeErrorCode, toGrpcStatus } from './errors';
import { dataExchangeServiceDefinition, READ_SUBPARTITION, type ConsumerMessage, type ProducerMessage } from './messages';
import { PartitionRegistry } from './partition-registry';
import { messageOf, type ResultSubpartition, type SubpartitionReader } from './result-partition';
import { describeTask, validateTaskAttemptId, type TaskAttemptId } from './task-attempt';

/** A ReadSubpartition call as the server sees it. */
export type ReadSubpartitionCall = ServerDuplexStream<ConsumerMessage, ProducerMessage>;

/**
 * The producer side of `mesoflow.dataflow.v1.DataExchangeService`: serves the partitions of a
 * {@link PartitionRegistry} to remote consumers. Mount it with {@link addDataExchangeService}
 * on a grpc-js server, or through {@link DataExchangeController} in a Nest application.
 */
export class DataExchangeHandler {
  constructor(private readonly registry: PartitionRegistry) {}

  /** Handles one ReadSubpartition call until it ends. */
  readSubpartition(call: ReadSubpartitionCall): void {
    new SubpartitionSender(this.registry, call).start();
  }
}

/** Adds the data exchange service, serving `registry`, to a grpc-js server. */
export function addDataExchangeService(server: Server, registry: PartitionRegistry): DataExchangeHandler {
  const handler = new DataExchangeHandler(registry);
  server.addService(dataExchangeServiceDefinition(), {
    [READ_SUBPARTITION]: (call: ReadSubpartitionCall) => handler.readSubpartition(call),
  });
  return handler;
}

/**
 * The data exchange service over Nest's gRPC transport, for a Nest application that serves the
 * package `mesoflow.dataflow.v1` from `mesoflow/dataflow/v1/exchange.proto`; provide the
 * TaskManager's {@link PartitionRegistry} (the class is the injection token).
 */
@Controller()
export class DataExchangeController {
  private readonly handler: DataExchangeHandler;

  constructor(@Inject(PartitionRegistry) registry: PartitionRegistry) {
    this.handler = new DataExchangeHandler(registry);
  }

  @GrpcStreamCall(DATA_EXCHANGE_GRPC.serviceName, READ_SUBPARTITION)
  readSubpartition(call: ReadSubpartitionCall): void {
    this.handler.readSubpartition(call);
  }
}

/**
 * One ReadSubpartition call: attaches to the subpartition as its reader and sends one buffer per
 * credit. Ends with OK once the consumer half-closes after end-of-partition.
 */
class SubpartitionSender implements SubpartitionReader {
  private source: ResultSubpartition | undefined;
  private consumer: TaskAttemptId | undefined;
  private producer: TaskAttemptId | undefined;
  private subpartition = -1;
  private credit = 0;
  private sequence = 0;
  private endSent = false;
  private closed = false;

  constructor(
    private readonly registry: PartitionRegistry,
    private readonly call: ReadSubpartitionCall,
  ) {}

  start(): void {
    this.call.on('data', (message: ConsumerMessage) => this.onMessage(message));
    this.call.on('end', () => this.onConsumerEnd());
    this.call.on('cancelled', () => this.onConsumerGone('it cancelled the call or its connection dropped'));
    this.call.on('error', (error: unknown) => this.onConsumerGone(messageOf(error)));
  }

  notifyAvailable(): void {
    this.pump();
  }

  notifyFailed(error: ExchangeError): void {
    this.source = undefined;
    this.close(toGrpcStatus(error));
  }

  private onMessage(message: ConsumerMessage): void {
    if (this.closed) return;
    try {
      if (message.open) {
        this.open(message.open);
      } else if (message.credit) {
        this.requireOpen('credit');
        this.credit += message.credit.buffers ?? 0;
        this.pump();
      } else if (message.cancel) {
        this.requireOpen('cancel');
        const reason = message.cancel.reason ?? 'cancelled';
        const source = this.source;
        this.source = undefined;
        this.closed = true;
        source?.detach(new ExchangeError(ExchangeErrorCode.CONSUMER_FAILED, `The ${this.describe()} was cancelled: ${reason}`));
        this.call.end();
      } else {
        throw new ExchangeError(ExchangeErrorCode.INVALID_ARGUMENT, 'A ReadSubpartition message must be open, credit or cancel');
      }
    } catch (error) {
      this.close(toGrpcStatus(error instanceof ExchangeError ? error : new ExchangeError(ExchangeErrorCode.INVALID_ARGUMENT, messageOf(error))));
    }
  }

  private open(open: NonNullable<ConsumerMessage['open']>): void {
    if (this.consumer) throw new ExchangeError(ExchangeErrorCode.INVALID_ARGUMENT, 'A ReadSubpartition call opens once');
    const partition = validateTaskAttemptId(fromMessage(open.partition), 'The requested partition');
    this.producer = partition;
    this.consumer = validateTaskAttemptId(fromMessage(open.consumer), 'The consumer');
    this.subpartition = open.subpartition ?? 0;
    this.credit = open.credit ?? 0;
    const resultPartition = this.registry.get(partition);
    if (!resultPartition) {
      const failure = this.registry.failureOf(partition);
      if (failure) throw failure;
      throw new ExchangeError(ExchangeErrorCode.PARTITION_NOT_FOUND, `The partition of producer ${describeTask(partition)} is not registered here`);
    }
    const source = resultPartition.subpartition(this.subpartition);
    source.attach(this);
    this.source = source;
    this.pump();
  }

  private pump(): void {
    const source = this.source;
    if (source === undefined || this.closed) return;
    while (this.credit > 0) {
      const frames = source.poll();
      if (frames === undefined) return;
      this.credit--;
      const backlog = source.backlog;
      this.call.write({ buffer: { sequence: this.sequence++, frames, backlog } });
      if (backlog === 0 && source.isEndQueued) {
        this.endSent = true;
        return;
      }
    }
  }

  private onConsumerEnd(): void {
    if (this.closed) return;
    this.closed = true;
    const source = this.source;
    this.source = undefined;
    if (this.endSent) source?.release();
    else source?.detach(new ExchangeError(ExchangeErrorCode.CONSUMER_FAILED, `The ${this.describe()} went away: it closed its call before the end of the partition`));
    this.call.end();
  }

  private onConsumerGone(reason: string): void {
    if (this.closed) return;
    this.closed = true;
    const source = this.source;
    this.source = undefined;
    source?.detach(new ExchangeError(ExchangeErrorCode.CONSUMER_FAILED, `The ${this.describe()} went away: ${reason}`));
  }

  private close(grpcStatus: { code: status; details: string }): void {
    if (this.closed) return;
    this.closed = true;
    this.call.emit('error', grpcStatus);
  }

  private requireOpen(what: string): void {
    if (!this.source) throw new ExchangeError(ExchangeErrorCode.INVALID_ARGUMENT, `A ReadSubpartition call must open before sending ${what}`);
  }

  private describe(): string {
    const consumer = this.consumer ? describeTask(this.consumer) : 'an unidentified consumer';
    const producer = this.producer ? ` of producer ${describeTask(this.producer)}` : '';
    return `consumer ${consumer} reading subpartition ${this.subpartition}${producer}`;
  }
}

function fromMessage(message: { job_id?: string | null; vertex_id?: string | null; subtask_index?: number | null; attempt?: number | null } | null | undefined): TaskAttemptId {
  return {
    jobId: message?.job_id ?? '',
    vertexId: message?.vertex_id ?? '',
    subtaskIndex: message?.subtask_index ?? 0,
    attempt: message?.attempt ?? 0,
  };
}
