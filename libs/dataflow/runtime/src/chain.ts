// Builds a vertex's operator chain for one subtask, from its last operator back to its head.
import type { FunctionRegistry } from '@mesoflow/dataflow-api';
import { mesoflow } from '@mesoflow/proto';
import { RuntimeError, RuntimeErrorCode } from './errors';
import { maxParallelismOf, outgoingEdges, parallelismOf, vertexOf } from './graph';
import type { Output } from './io';
import { reduceAggregation, sumAggregation } from './operators/aggregation';
import { FinalAggregateOperator, KeyedFolder, RollingAggregateOperator } from './operators/keyed';
import { feeding, OperatorContext, type ChainOperator, type Collector, type OperatorServices } from './operators/operator';
import { CollectSinkOperator, PrintSink, TextFileSink } from './operators/sinks';
import { sourceFunction, type SourceFunction } from './operators/sources';
import { FilterOperator, FlatMapOperator, KeyByOperator, MapOperator } from './operators/stateless';
import { TimestampsAndWatermarksOperator } from './operators/watermarks';
import { AggregatingWindowOperator, ApplyWindowOperator, JoinWindowOperator } from './operators/window';
import { partitioner } from './partitioners';
import { MAX_WATERMARK, type StreamRecord } from './records';

const { OperatorKind, Partitioning, RuntimeMode } = mesoflow.dataflow.v1;
type JobGraph = mesoflow.dataflow.v1.JobGraph.$Properties;

/** Who a chain is built for. */
interface ChainHost {
  readonly subtaskIndex: number;
  readonly parallelism: number;
  readonly services: OperatorServices;
  readonly functions: FunctionRegistry;
}

/** A built chain: a source function or a head operator fed by the input, and everything to dispose. */
export interface Chain {
  /** Set when the head is a source; records it makes enter `first`. */
  readonly source?: { readonly run: SourceFunction; readonly context: OperatorContext };
  /** The first operator after a source, or the head of a non-source chain. */
  readonly first: Collector & { readonly operator: ChainOperator | undefined };
  readonly head: ChainOperator | undefined;
  readonly operators: readonly ChainOperator[];
}

/** Most keys a combiner holds before it sends its partial aggregates on: bounds its memory. */
const COMBINER_MAX_KEYS = 100_000;

type JobEdge = mesoflow.dataflow.v1.JobEdge.$Properties;

/**
 * BATCH mode's combiner for `edge`: when the edge hashes into a REDUCE, or a SUM of a field,
 * the producer folds its records per key first and sends partial aggregates, which that
 * operator folds again (Flink's combinable reduce: the function must be associative, as
 * Flink requires). A SUM with a selector is not combined: the selector applies to input
 * records, not to sums.
 */
function combinerFor(graph: JobGraph, edge: JobEdge, host: ChainHost): KeyedFolder | undefined {
  if (graph.config?.runtime_mode !== RuntimeMode.BATCH || edge.partitioning !== Partitioning.HASH) return undefined;
  const target = vertexOf(graph, edge.target_vertex_id ?? '').operators?.[0];
  if (target === undefined) return undefined;
  const ctx = new OperatorContext(target, host.subtaskIndex, host.parallelism, host.services, host.functions);
  if (target.kind === OperatorKind.REDUCE) return new KeyedFolder(ctx, reduceAggregation(ctx, 'REDUCE'));
  if (target.kind === OperatorKind.SUM && ctx.sumSelector() === undefined) return new KeyedFolder(ctx, sumAggregation(ctx, true));
  return undefined;
}

/** The collector ending a chain that has outgoing edges: partitions each record over each edge. */
function outputCollector(graph: JobGraph, vertexId: string, host: ChainHost, outputs: readonly Output[]): Collector {
  const edges = outgoingEdges(graph, vertexId);
  if (edges.length !== outputs.length) {
    throw new RuntimeError(RuntimeErrorCode.INVALID_JOB, `Vertex '${vertexId}' has ${edges.length} outgoing edges but was given ${outputs.length} outputs`);
  }
  const counters = host.services.counters;
  const writers = edges.map((edge, i) => {
    const target = edge.target_vertex_id ?? '';
    const select = partitioner({
      partitioning: edge.partitioning ?? Partitioning.PARTITIONING_UNSPECIFIED,
      subtaskIndex: host.subtaskIndex,
      consumers: parallelismOf(graph, target),
      maxParallelism: maxParallelismOf(graph, target),
    });
    const output = outputs[i];
    const send = (record: StreamRecord): void => {
      counters.recordsOut++;
      for (const to of select(record)) output.sendRecord(record, to);
    };
    const combiner = combinerFor(graph, edge, host);
    if (combiner === undefined) return { write: send, flush: () => undefined };
    const flush = (): void => combiner.flush((key, value) => send({ value, key }));
    return {
      write: (record: StreamRecord): void => {
        // Without a key, the partitioner reports the graph error.
        if (record.key === undefined) return send(record);
        if (combiner.fold(record.key, record.value) && combiner.size >= COMBINER_MAX_KEYS) flush();
      },
      flush,
    };
  });
  const flushAll = (): void => writers.forEach((writer) => writer.flush());
  return {
    collect: (record) => {
      for (const writer of writers) writer.write(record);
    },
    watermark: (timestamp) => {
      if (timestamp >= MAX_WATERMARK) flushAll();
      outputs.forEach((output) => output.sendWatermark(timestamp));
    },
    end: () => {
      flushAll();
      outputs.forEach((output) => output.sendEnd());
    },
  };
}

function operatorFor(ctx: OperatorContext, out: Collector, batch: boolean): ChainOperator {
  const kind = ctx.spec.kind ?? OperatorKind.OPERATOR_KIND_UNSPECIFIED;
  switch (kind) {
    case OperatorKind.MAP:
      return new MapOperator(ctx, out);
    case OperatorKind.FLAT_MAP:
      return new FlatMapOperator(ctx, out);
    case OperatorKind.FILTER:
      return new FilterOperator(ctx, out);
    case OperatorKind.KEY_BY:
      return new KeyByOperator(ctx, out);
    case OperatorKind.REDUCE:
    case OperatorKind.SUM: {
      const aggregation = kind === OperatorKind.REDUCE ? reduceAggregation(ctx, 'REDUCE') : sumAggregation(ctx, batch);
      return batch ? new FinalAggregateOperator(ctx, out, aggregation) : new RollingAggregateOperator(ctx, out, aggregation);
    }
    case OperatorKind.WINDOW_REDUCE:
      return new AggregatingWindowOperator(ctx, out, reduceAggregation(ctx, 'WINDOW_REDUCE'));
    case OperatorKind.WINDOW_SUM:
      return new AggregatingWindowOperator(ctx, out, sumAggregation(ctx));
    case OperatorKind.WINDOW_APPLY:
      return new ApplyWindowOperator(ctx, out);
    case OperatorKind.WINDOW_JOIN:
      return new JoinWindowOperator(ctx, out);
    case OperatorKind.TIMESTAMPS_WATERMARKS:
      return new TimestampsAndWatermarksOperator(ctx, out);
    case OperatorKind.SINK_PRINT:
      return new PrintSink(ctx);
    case OperatorKind.SINK_TEXT_FILE:
      return new TextFileSink(ctx);
    case OperatorKind.SINK_COLLECT:
      return new CollectSinkOperator(ctx);
    case OperatorKind.SOURCE_COLLECTION:
    case OperatorKind.SOURCE_TEXT_FILE:
    case OperatorKind.SOURCE_GENERATE:
    case OperatorKind.OPERATOR_KIND_UNSPECIFIED:
      throw new RuntimeError(
        RuntimeErrorCode.INVALID_JOB,
        `Operator '${ctx.name}' (${ctx.id}) of kind ${OperatorKind[kind] ?? kind} cannot run inside a chain`,
      );
  }
}

const SOURCE_KINDS: ReadonlySet<number> = new Set([OperatorKind.SOURCE_COLLECTION, OperatorKind.SOURCE_TEXT_FILE, OperatorKind.SOURCE_GENERATE]);

/** Builds the chain of `vertexId` for subtask `subtaskIndex`. */
export function buildChain(
  graph: JobGraph,
  functions: FunctionRegistry,
  vertexId: string,
  subtaskIndex: number,
  outputs: readonly Output[],
  services: OperatorServices,
): Chain {
  const vertex = vertexOf(graph, vertexId);
  const parallelism = parallelismOf(graph, vertexId);
  const host: ChainHost = { subtaskIndex, parallelism, services, functions };
  const batch = graph.config?.runtime_mode === RuntimeMode.BATCH;
  const specs = vertex.operators ?? [];
  const contexts = specs.map((spec) => new OperatorContext(spec, subtaskIndex, parallelism, services, functions));
  const isSource = specs.length > 0 && SOURCE_KINDS.has(specs[0].kind ?? 0);
  const source = isSource ? { run: sourceFunction(contexts[0]), context: contexts[0] } : undefined;
  const operators: ChainOperator[] = [];
  let out = outputCollector(graph, vertexId, host, outputs);
  let operator: ChainOperator | undefined;
  try {
    for (let i = contexts.length - 1; i >= (isSource ? 1 : 0); i--) {
      operator = operatorFor(contexts[i], out, batch);
      operators.unshift(operator);
      out = feeding(operator);
    }
  } catch (error) {
    // Sinks already built may hold files open.
    operators.forEach((built) => built.dispose());
    throw error;
  }
  const first = { ...out, operator };
  return source === undefined ? { first, head: operator, operators } : { source, first, head: undefined, operators };
}
