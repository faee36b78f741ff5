// Builds a vertex's operator chain for one subtask, from its last operator back to its head.
import type { FunctionRegistry } from '@mesoflow/dataflow-api';
import { mesoflow } from '@mesoflow/proto';
import { RuntimeError, RuntimeErrorCode } from './errors';
import { maxParallelismOf, outgoingEdges, parallelismOf, vertexOf } from './graph';
import type { Output } from './io';
import { reduceAggregation, sumAggregation } from './operators/aggregation';
import { RollingAggregateOperator } from './operators/keyed';
import { feeding, OperatorContext, type ChainOperator, type Collector, type OperatorServices } from './operators/operator';
import { CollectSinkOperator, PrintSink, TextFileSink } from './operators/sinks';
import { sourceFunction, type SourceFunction } from './operators/sources';
import { FilterOperator, FlatMapOperator, KeyByOperator, MapOperator } from './operators/stateless';
import { TimestampsAndWatermarksOperator } from './operators/watermarks';
import { AggregatingWindowOperator, ApplyWindowOperator, JoinWindowOperator } from './operators/window';
import { partitioner } from './partitioners';

const { OperatorKind } = mesoflow.dataflow.v1;
type JobGraph = mesoflow.dataflow.v1.JobGraph.$Properties;

/** A built chain: a source function or a head operator fed by the input, and everything to dispose. */
export interface Chain {
  /** Set when the head is a source; records it makes enter `first`. */
  readonly source?: { readonly run: SourceFunction; readonly context: OperatorContext };
  /** The first operator after a source, or the head of a non-source chain. */
  readonly first: Collector & { readonly operator: ChainOperator | undefined };
  readonly head: ChainOperator | undefined;
  readonly operators: readonly ChainOperator[];
}

/** The collector ending a chain that has outgoing edges: partitions each record over each edge. */
function outputCollector(graph: JobGraph, vertexId: string, subtaskIndex: number, outputs: readonly Output[]): Collector {
  const edges = outgoingEdges(graph, vertexId);
  if (edges.length !== outputs.length) {
    throw new RuntimeError(RuntimeErrorCode.INVALID_JOB, `Vertex '${vertexId}' has ${edges.length} outgoing edges but was given ${outputs.length} outputs`);
  }
  const writers = edges.map((edge, i) => {
    const target = edge.target_vertex_id ?? '';
    const select = partitioner({
      partitioning: edge.partitioning ?? mesoflow.dataflow.v1.Partitioning.PARTITIONING_UNSPECIFIED,
      subtaskIndex,
      consumers: parallelismOf(graph, target),
      maxParallelism: maxParallelismOf(graph, target),
    });
    const output = outputs[i];
    return (record: Parameters<Collector['collect']>[0]): void => {
      for (const to of select(record)) output.sendRecord(record, to);
    };
  });
  return {
    collect: (record) => writers.forEach((write) => write(record)),
    watermark: (timestamp) => outputs.forEach((output) => output.sendWatermark(timestamp)),
    end: () => outputs.forEach((output) => output.sendEnd()),
  };
}

function operatorFor(ctx: OperatorContext, out: Collector): ChainOperator {
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
      return new RollingAggregateOperator(ctx, out, reduceAggregation(ctx, 'REDUCE'));
    case OperatorKind.SUM:
      return new RollingAggregateOperator(ctx, out, sumAggregation(ctx));
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
  const specs = vertex.operators ?? [];
  const contexts = specs.map((spec) => new OperatorContext(spec, subtaskIndex, parallelism, services, functions));
  const isSource = specs.length > 0 && SOURCE_KINDS.has(specs[0].kind ?? 0);
  const source = isSource ? { run: sourceFunction(contexts[0]), context: contexts[0] } : undefined;
  const operators: ChainOperator[] = [];
  let out = outputCollector(graph, vertexId, subtaskIndex, outputs);
  let operator: ChainOperator | undefined;
  try {
    for (let i = contexts.length - 1; i >= (isSource ? 1 : 0); i--) {
      operator = operatorFor(contexts[i], out);
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
