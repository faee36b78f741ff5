// The reference executor: every subtask of every vertex in this process, connected by bounded
// in-memory channels. Distributed runs are compared with it, and tests use it.
import type { FunctionRegistry } from '@mesoflow/dataflow-api';
import type { mesoflow } from '@mesoflow/proto';
import type { Clock } from '../clock';
import { SubtaskCounters } from '../counters';
import { incomingEdges, outgoingEdges, parallelismOf } from '../graph';
import { runSubtask, type SubtaskResult } from '../subtask';
import { LocalGate, type LocalChannel, LocalOutput } from './channel';

/** Options of {@link runJobLocally}. */
export interface LocalJobOptions {
  /** Cancels the job: every subtask stops, and the result says CANCELED. */
  readonly signal?: AbortSignal;
  /** Processing time and timers. @default the system clock */
  readonly clock?: Clock;
  /** SINK_PRINT lines. @default process.stdout */
  readonly stdout?: (line: string) => void;
  /** Elements a channel holds before its producer waits. @default 64 */
  readonly channelCapacity?: number;
  /** Send records through encodeRecord/decodeRecord as between processes. @default true */
  readonly serialize?: boolean;
  /** See `SubtaskOptions.watermarkIntervalMs`. @default 0 */
  readonly watermarkIntervalMs?: number;
}

/** What a local run produced. */
export interface LocalJobResult {
  readonly jobName: string;
  /** FINISHED when every subtask finished (a bounded job), CANCELED when cancelled. */
  readonly status: 'FINISHED' | 'CANCELED';
  /** Records of each SINK_COLLECT operator by operator id, in arrival order (subtasks interleave). */
  readonly collected: ReadonlyMap<string, readonly unknown[]>;
  /** Late records dropped by event-time windows, by operator id. */
  readonly lateRecordsDropped: ReadonlyMap<string, number>;
  /** What each subtask counted, by vertex id, one per subtask: what a TaskManager would report. */
  readonly counters: ReadonlyMap<string, readonly SubtaskCounters[]>;
  /** The longest any channel queue got: at most the capacity plus one input element's output. */
  readonly maxQueueLength: number;
}

const DEFAULT_CAPACITY = 64;

/**
 * Runs `graph` with all subtasks in this process. Resolves when every subtask finished or, after
 * `signal` aborts, stopped; rejects with the first subtask failure (a `RuntimeError`) after
 * stopping the rest.
 */
export async function runJobLocally(
  graph: mesoflow.dataflow.v1.JobGraph.$Properties,
  functions: FunctionRegistry,
  options: LocalJobOptions = {},
): Promise<LocalJobResult> {
  const capacity = options.channelCapacity ?? DEFAULT_CAPACITY;
  const serialize = options.serialize ?? true;
  const vertices = graph.vertices ?? [];
  // Gates first: a producer's channels are created by its consumers' gates.
  const gates = new Map<string, LocalGate[]>();
  for (const vertex of vertices) {
    const id = vertex.id ?? '';
    gates.set(id, Array.from({ length: parallelismOf(graph, id) }, () => new LocalGate(capacity)));
  }
  // channels[edge index in graph.edges][producer][consumer]
  const allEdges = graph.edges ?? [];
  const channels: LocalChannel[][][] = allEdges.map((edge) => {
    const consumers = gates.get(edge.target_vertex_id ?? '') ?? [];
    const edgeIndex = incomingEdges(graph, edge.target_vertex_id ?? '').indexOf(edge);
    return Array.from({ length: parallelismOf(graph, edge.source_vertex_id ?? '') }, (_, producer) =>
      consumers.map((gate) => gate.channel(edgeIndex, producer)),
    );
  });

  const internal = new AbortController();
  const cancel = (): void => internal.abort();
  options.signal?.addEventListener('abort', cancel, { once: true });
  if (options.signal?.aborted) cancel();
  const collected = new Map<string, unknown[]>();
  let firstFailure: { error: unknown } | undefined;
  const counters = new Map<string, SubtaskCounters[]>();

  const runs: Promise<SubtaskResult | undefined>[] = [];
  for (const vertex of vertices) {
    const vertexId = vertex.id ?? '';
    const outgoing = outgoingEdges(graph, vertexId);
    const vertexGates = gates.get(vertexId) ?? [];
    const hasInput = incomingEdges(graph, vertexId).length > 0;
    const vertexCounters = vertexGates.map(() => new SubtaskCounters());
    counters.set(vertexId, vertexCounters);
    for (let subtaskIndex = 0; subtaskIndex < vertexGates.length; subtaskIndex++) {
      const outputs = outgoing.map((edge) => new LocalOutput(channels[allEdges.indexOf(edge)][subtaskIndex], serialize));
      const run = runSubtask({
        graph,
        functions,
        vertexId,
        subtaskIndex,
        outputs,
        input: hasInput ? vertexGates[subtaskIndex] : undefined,
        signal: internal.signal,
        clock: options.clock,
        stdout: options.stdout,
        watermarkIntervalMs: options.watermarkIntervalMs,
        counters: vertexCounters[subtaskIndex],
        collect: (operatorId, _subtask, value) => {
          const values = collected.get(operatorId) ?? [];
          values.push(value);
          collected.set(operatorId, values);
        },
      }).catch((error: unknown) => {
        // The first failure fails the job; the others stop (Flink cancels the remaining tasks).
        firstFailure ??= { error };
        internal.abort();
        return undefined;
      });
      runs.push(run);
    }
  }
  try {
    const results = await Promise.all(runs);
    if (firstFailure !== undefined) throw firstFailure.error;
    const late = new Map<string, number>();
    for (const result of results) for (const [id, n] of result?.lateRecordsDropped ?? []) late.set(id, (late.get(id) ?? 0) + n);
    return {
      jobName: graph.job_name ?? '',
      status: results.every((result) => result?.status === 'FINISHED') ? 'FINISHED' : 'CANCELED',
      collected,
      lateRecordsDropped: late,
      counters,
      maxQueueLength: Math.max(0, ...channels.flat(2).map((channel) => channel.maxLength)),
    };
  } finally {
    options.signal?.removeEventListener('abort', cancel);
  }
}
