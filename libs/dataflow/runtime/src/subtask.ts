// One parallel subtask of a vertex: its chain, fed by a source or by the input channels, until
// the input ends, the host cancels, or a user function fails.
import type { FunctionRegistry } from '@mesoflow/dataflow-api';
import { mesoflow } from '@mesoflow/proto';
import { systemClock, type Clock } from './clock';
import { buildChain } from './chain';
import { SubtaskCounters } from './counters';
import { RuntimeError, RuntimeErrorCode } from './errors';
import { incomingEdges, parallelismOf } from './graph';
import { WatermarkValve, type InputElement, type Output } from './io';
import { MAX_WATERMARK } from './records';

const { JoinSide } = mesoflow.dataflow.v1;

/** What a TaskManager (or the local executor) gives one subtask. */
export interface SubtaskOptions {
  readonly graph: mesoflow.dataflow.v1.JobGraph.$Properties;
  /** From `loadRuntimeProgram`: user functions by operator id. */
  readonly functions: FunctionRegistry;
  readonly vertexId: string;
  /** 0-based. */
  readonly subtaskIndex: number;
  /** One per edge of `outgoingEdges(graph, vertexId)`, in that order; none for a sink vertex. */
  readonly outputs: readonly Output[];
  /**
   * Every element of every upstream channel (edge of `incomingEdges(graph, vertexId)`,
   * producer subtask), merged in arrival order, each channel's own order kept. Unused for a
   * source vertex. Pulled one element at a time, so a bounded queue behind it backpressures.
   */
  readonly input?: AsyncIterable<InputElement>;
  /** Stops the subtask without ending its outputs (a cancelled or failed job). */
  readonly signal?: AbortSignal;
  /** Processing time and timers. @default the system clock */
  readonly clock?: Clock;
  /** SINK_PRINT lines. @default process.stdout */
  readonly stdout?: (line: string) => void;
  /** SINK_COLLECT records. @default dropped */
  readonly collect?: (operatorId: string, subtaskIndex: number, value: unknown) => void;
  /** Minimum processing time between two watermarks of TIMESTAMPS_WATERMARKS. @default 0 (every advance) */
  readonly watermarkIntervalMs?: number;
  /** Where the subtask counts its records in and out, for the host to read while it runs. @default counts nobody reads */
  readonly counters?: SubtaskCounters;
}

/** How a subtask ended (a failure rejects instead). */
export interface SubtaskResult {
  /** FINISHED: all input processed and outputs ended. CANCELED: stopped by the signal. */
  readonly status: 'FINISHED' | 'CANCELED';
  /** Records dropped as late by event-time windows, by operator id. */
  readonly lateRecordsDropped: ReadonlyMap<string, number>;
}

const CANCELED = Symbol('canceled');

/**
 * Runs one subtask to its end. Resolves FINISHED once the input has ended on every channel (or
 * the source is exhausted) and `sendEnd` went out on every output; CANCELED when `signal`
 * aborts. Rejects with a `RuntimeError` (`USER_FUNCTION_FAILED` names the operator, the subtask
 * and the key, with the user's error as `cause`) when the subtask fails; the host then cancels
 * the other subtasks of the job.
 */
export async function runSubtask(options: SubtaskOptions): Promise<SubtaskResult> {
  const { graph, vertexId, subtaskIndex, outputs } = options;
  const signal = options.signal ?? new AbortController().signal;
  const late = new Map<string, number>();
  const counters = options.counters ?? new SubtaskCounters();
  let failure: { error: Error } | undefined;
  // The one wait under way (a subtask waits for one thing at a time), woken when the subtask fails
  // or is cancelled. Not Promise.race against two long-lived promises: each race would leave a
  // reaction on them, one per record, held until the subtask ends (2M records ran out of memory
  // that way). No named closure per wait either: bundles keep function names, at a cost per closure.
  let waiting: { resolve: (value: typeof CANCELED) => void; reject: (error: Error) => void } | undefined;
  const interrupt = (outcome: typeof CANCELED | { error: Error }): void => {
    const wait = waiting;
    waiting = undefined;
    if (wait === undefined) return;
    if (outcome === CANCELED) wait.resolve(CANCELED);
    else wait.reject(outcome.error);
  };
  signal.addEventListener('abort', () => interrupt(CANCELED), { once: true });
  // Waits for `promise` unless the subtask failed (rejects) or was cancelled (CANCELED) first.
  const race = <T>(promise: Promise<T>): Promise<T | typeof CANCELED> => {
    if (failure !== undefined) return Promise.reject(failure.error);
    if (signal.aborted) return Promise.resolve(CANCELED);
    return new Promise<T | typeof CANCELED>((resolve, reject) => {
      const wait = { resolve, reject };
      waiting = wait;
      promise.then(
        (value) => {
          if (waiting === wait) waiting = undefined;
          resolve(value);
        },
        (error: unknown) => {
          if (waiting === wait) waiting = undefined;
          reject(error instanceof Error ? error : new Error(String(error)));
        },
      );
    });
  };
  const waitWritable = async (): Promise<boolean> => {
    for (const output of outputs) {
      for (let wait = output.writable(); wait !== undefined; wait = output.writable()) {
        if ((await race(wait)) === CANCELED) return false;
      }
    }
    return true;
  };
  // Undefined while every output has room: the common case costs no promise.
  // Called per record: a plain loop, no callback allocated per call.
  const writable = (): Promise<boolean> | undefined => {
    for (const output of outputs) if (output.writable() !== undefined) return waitWritable();
    return undefined;
  };

  const chain = buildChain(graph, options.functions, vertexId, subtaskIndex, outputs, {
    clock: options.clock ?? systemClock,
    stdout: options.stdout ?? ((line) => process.stdout.write(`${line}\n`)),
    collect: options.collect ?? (() => undefined),
    watermarkIntervalMs: options.watermarkIntervalMs ?? 0,
    counters,
    lateRecord: (id) => late.set(id, (late.get(id) ?? 0) + 1),
    fail: (error) => {
      failure ??= { error: error instanceof Error ? error : new Error(String(error)) };
      interrupt(failure);
    },
  });
  const result = (status: SubtaskResult['status']): SubtaskResult => ({ status, lateRecordsDropped: late });
  try {
    if (chain.source !== undefined) {
      await chain.source.run((value) => {
        if (failure !== undefined) throw failure.error;
        counters.recordsIn++;
        chain.first.collect({ value });
        return writable()?.then(() => undefined);
      }, signal);
      if (failure !== undefined) throw failure.error;
      if (signal.aborted) return result('CANCELED');
      // A bounded source's end: the final watermark (Flink's Long.MAX_VALUE), then the end.
      chain.first.watermark(MAX_WATERMARK);
      chain.first.end();
      return result('FINISHED');
    }
    return result(await consumeInput(options, chain.head, counters, race, writable, signal));
  } finally {
    chain.operators.forEach((operator) => operator.dispose());
  }
}

async function consumeInput(
  options: SubtaskOptions,
  head: ReturnType<typeof buildChain>['head'],
  counters: SubtaskCounters,
  race: <T>(promise: Promise<T>) => Promise<T | typeof CANCELED>,
  writable: () => Promise<boolean> | undefined,
  signal: AbortSignal,
): Promise<SubtaskResult['status']> {
  const { graph, vertexId } = options;
  const edges = incomingEdges(graph, vertexId);
  if (head === undefined || options.input === undefined || edges.length === 0) {
    throw new RuntimeError(RuntimeErrorCode.INVALID_JOB, `Vertex '${vertexId}' is not a source but has no input`);
  }
  // A join's RIGHT edge feeds input 1; everything else input 0.
  const sides = edges.map((edge) => (edge.join_side === JoinSide.RIGHT ? 1 : 0));
  const valve = new WatermarkValve(edges.map((edge) => parallelismOf(graph, edge.source_vertex_id ?? '')));
  const iterator = options.input[Symbol.asyncIterator]();
  while (!valve.allEnded) {
    if (signal.aborted) return 'CANCELED';
    const next = await race(iterator.next());
    if (next === CANCELED) return 'CANCELED';
    if (next.done === true) {
      throw new RuntimeError(RuntimeErrorCode.ILLEGAL_STATE, `The input of vertex '${vertexId}' closed before every channel sent its end`);
    }
    const { edge, channel, element } = next.value;
    if (valve.hasEnded(edge, channel)) {
      throw new RuntimeError(RuntimeErrorCode.ILLEGAL_STATE, `Vertex '${vertexId}' got an element on edge ${edge} channel ${channel} after its end (or on no such channel)`);
    }
    switch (element.kind) {
      case 'record':
        counters.recordsIn++;
        head.processRecord(element.record, sides[edge]);
        break;
      case 'watermark': {
        const aligned = valve.watermark(edge, channel, element.timestamp);
        if (aligned !== undefined) head.processWatermark(aligned);
        break;
      }
      case 'end': {
        const aligned = valve.end(edge, channel);
        if (aligned !== undefined) head.processWatermark(aligned);
        if (valve.allEnded) head.endInput();
        break;
      }
    }
    const room = writable();
    if (room !== undefined && !(await room)) return 'CANCELED';
  }
  await iterator.return?.();
  return 'FINISHED';
}
