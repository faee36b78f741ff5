import { Client, credentials, type ChannelCredentials, type ChannelOptions, type ClientDuplexStream } from '@grpc/grpc-js';
import { ExchangeError, ExchangeErrorCode } from './errors';
import type { InputChannel } from './input-channel';
import { dataExchangeServiceDefinition, READ_SUBPARTITION, type ConsumerMessage, type ProducerMessage } from './messages';
import { resolveInputChannelOptions, type InputChannelOptions } from './options';
import { validateSubpartitionIndex } from './partition-registry';
import { RemoteInputChannel } from './remote-input-channel';
import { validateTaskAttemptId, type ResultPartitionId, type TaskAttemptId } from './task-attempt';

/** Options of {@link ExchangeClient}. */
export interface ExchangeClientOptions {
  /** @default insecure (plain HTTP/2 on the cluster network) */
  credentials?: ChannelCredentials;
  /**
   * grpc-js channel options, e.g. keepalive settings to detect a vanished host sooner. Merged
   * over {@link DEFAULT_EXCHANGE_CHANNEL_OPTIONS}.
   */
  channelOptions?: ChannelOptions;
}

/**
 * The channel options the exchange client uses unless told otherwise: an HTTP/2 receive window
 * of 4 MiB. The credit, not HTTP/2 flow control, bounds what a channel holds; HTTP/2's default
 * 64 KiB window would let two 32 KiB buffers travel per round trip and throttle the stream.
 */
export const DEFAULT_EXCHANGE_CHANNEL_OPTIONS: Readonly<ChannelOptions> = Object.freeze({
  'grpc-node.flow_control_window': 4 * 1024 * 1024,
});

/** What a consumer asks for: which producer's subpartition, and as whom. */
export interface ChannelRequest {
  /** The producer's partition. */
  partition: ResultPartitionId;
  /** The subpartition to read. */
  subpartition: number;
  /** The consuming task attempt, named in the producer's errors. */
  consumer: TaskAttemptId;
}

/**
 * The consuming side of the exchange in one TaskManager (Flink's ConnectionManager): one gRPC
 * client, hence one HTTP/2 connection, per producing TaskManager, shared by every input channel
 * to it. Each channel is its own HTTP/2 stream with its own credit.
 */
export class ExchangeClient {
  private readonly clients = new Map<string, Client>();
  private closed = false;

  constructor(private readonly options: ExchangeClientOptions = {}) {}

  /**
   * Opens an input channel to a producer on another TaskManager (`target` is its exchange
   * server's `host:port`). The channel connects at once and retries while the partition is not
   * registered, up to the partition request timeout.
   * @throws ExchangeError INVALID_ARGUMENT, or ILLEGAL_STATE after {@link close}.
   */
  openChannel(target: string, request: ChannelRequest, options: InputChannelOptions = {}): InputChannel {
    if (this.closed) throw new ExchangeError(ExchangeErrorCode.ILLEGAL_STATE, 'The exchange client is closed');
    const resolved = resolveInputChannelOptions(options);
    validateSubpartitionIndex(request.subpartition);
    const partition = validateTaskAttemptId(request.partition, 'A partition');
    const consumer = validateTaskAttemptId(request.consumer, 'A consumer');
    const client = this.clientFor(target);
    const method = dataExchangeServiceDefinition()[READ_SUBPARTITION];
    const open = (): ClientDuplexStream<ConsumerMessage, ProducerMessage> =>
      client.makeBidiStreamRequest<ConsumerMessage, ProducerMessage>(
        method.path,
        method.requestSerialize as (value: ConsumerMessage) => Buffer,
        method.responseDeserialize as (bytes: Buffer) => ProducerMessage,
      );
    return new RemoteInputChannel(open, target, partition, request.subpartition, consumer, resolved);
  }

  /** Closes every connection; open channels fail as their producer going away. */
  close(): void {
    this.closed = true;
    for (const client of this.clients.values()) client.close();
    this.clients.clear();
  }

  private clientFor(target: string): Client {
    let client = this.clients.get(target);
    if (!client) {
      client = new Client(target, this.options.credentials ?? credentials.createInsecure(), { ...DEFAULT_EXCHANGE_CHANNEL_OPTIONS, ...this.options.channelOptions });
      this.clients.set(target, client);
    }
    return client;
  }
}
