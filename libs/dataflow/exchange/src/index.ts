/**
 * The data exchange between TaskManagers (Flink's network stack): result partitions with one
 * subpartition per consumer, records packed into length-prefixed frames in 32 KiB buffers,
 * credit-based backpressure, in-band watermarks and end-of-partition; over gRPC between
 * processes, in memory within one.
 */
export { ExchangeError, ExchangeErrorCode, isExchangeError } from './errors';
export { describeTask, taskKey } from './task-attempt';
export type { ResultPartitionId, TaskAttemptId } from './task-attempt';
export { BufferBuilder, decodeFrames, encodeFrame, FRAME_HEADER_BYTES, FrameKind, isRecord } from './frames';
export type { ExchangeElement, ExchangeEvent } from './frames';
export {
  DEFAULT_BUFFER_SIZE,
  DEFAULT_CREDIT,
  DEFAULT_FLUSH_TIMEOUT_MS,
  DEFAULT_MAX_QUEUED_BUFFERS,
  DEFAULT_PARTITION_REQUEST_TIMEOUT_MS,
} from './options';
export type { InputChannelOptions, ResultPartitionOptions } from './options';
export { ResultPartition, ResultSubpartition } from './result-partition';
export type { ResultPartitionState, SubpartitionReader } from './result-partition';
export { PartitionRegistry } from './partition-registry';
export type { InputChannel } from './input-channel';
export { InputGate } from './input-gate';
export type { GateBatch, GateElement } from './input-gate';
export { DEFAULT_EXCHANGE_CHANNEL_OPTIONS, ExchangeClient } from './exchange-client';
export type { ChannelRequest, ExchangeClientOptions } from './exchange-client';
export { addDataExchangeService, DataExchangeController, DataExchangeHandler } from './exchange-server';
export type { ReadSubpartitionCall } from './exchange-server';
export { dataExchangeServiceDefinition } from './messages';
