/**
 * The execution side of a Mesoflow dataflow job: one parallel subtask of a JobGraph vertex
 * (its operator chain, partitioning, watermark alignment, windows and sinks), independent of
 * the network, and a local executor that runs a whole job in one process with in-memory
 * channels. A TaskManager plugs the exchange into `Output` and `InputElement`.
 */
export { runSubtask } from './subtask';
export type { SubtaskOptions, SubtaskResult } from './subtask';
export { SubtaskCounters } from './counters';
export { runJobLocally } from './local/executor';
export type { LocalJobOptions, LocalJobResult } from './local/executor';
export { LocalChannel, LocalGate, LocalOutput } from './local/channel';
export { WatermarkValve } from './io';
export type { InputElement, Output } from './io';
export { decodeRecord, encodeRecord, MAX_WATERMARK } from './records';
export type { StreamElement, StreamRecord } from './records';
export { canonicalKey, keyGroupOf, murmur3, subtaskForKey, subtaskOfKeyGroup } from './hash';
export { partitioner } from './partitioners';
export type { Partitioner, PartitionerOptions } from './partitioners';
export { incomingEdges, maxParallelismOf, outgoingEdges, parallelismOf, vertexOf } from './graph';
export { ManualClock, systemClock } from './clock';
export type { Clock } from './clock';
export { assignWindows } from './operators/window';
export { formatRecord } from './operators/sinks';
export { RuntimeError, RuntimeErrorCode, isRuntimeError } from './errors';
export type { FailureLocation } from './errors';
