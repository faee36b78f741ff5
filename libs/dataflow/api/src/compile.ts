// From declared operators to a JobGraph: ids, parallelism, chains, edges.
//
// Chaining follows Flink's rule: an operator joins its input's chain when the edge between them
// is FORWARD (nothing asked for HASH, REBALANCE or BROADCAST) and both have the same
// parallelism. Chains are kept linear, so a vertex is a list: an operator whose output feeds
// several operators ends its chain, and an operator with two inputs (a join) starts one.
import { mesoflow } from '@mesoflow/proto';
import type { FunctionRegistry, UserFunction } from './functions';
import { DataflowError, DataflowErrorCode } from './errors';
import { assignOperatorIds } from './operator-ids';
import { type NodeInput, type StreamNode } from './transformation';
import { validateJobGraph } from './validate';

const v1 = mesoflow.dataflow.v1;
type JobGraph = mesoflow.dataflow.v1.JobGraph;

/** Job-wide settings that go into `JobGraph.config`. */
export interface JobConfigOptions {
  readonly defaultParallelism: number;
  readonly maxParallelism: number;
  readonly restartAttempts: number;
  readonly restartDelayMs: number;
  /** @default 'STREAMING' */
  readonly runtimeMode?: RuntimeExecutionMode;
}

/** Flink's `RuntimeExecutionMode`: how a job runs (see `RuntimeMode` in job_graph.proto). */
export type RuntimeExecutionMode = 'STREAMING' | 'BATCH' | 'AUTOMATIC';

/** What a compilation yields: the graph, and the user functions by operator id. */
export interface CompiledProgram {
  readonly graph: JobGraph;
  readonly functions: FunctionRegistry;
  /** The id of every declared operator. */
  readonly operatorIds: ReadonlyMap<StreamNode, string>;
}

/** The bundle a job graph points TaskManagers at. */
export interface BundleReference {
  /** The artifact path of the program bundle. */
  readonly path: string;
  /** Lower-case hex SHA-256 of the bundle. */
  readonly sha256: string;
}

function partitioning(input: NodeInput, from: number, to: number): mesoflow.dataflow.v1.Partitioning {
  switch (input.mode) {
    case 'HASH':
      return v1.Partitioning.HASH;
    case 'REBALANCE':
      return v1.Partitioning.REBALANCE;
    case 'BROADCAST':
      return v1.Partitioning.BROADCAST;
    case 'AUTO':
      return from === to ? v1.Partitioning.FORWARD : v1.Partitioning.REBALANCE;
  }
}

function operatorSpec(node: StreamNode, id: string): mesoflow.dataflow.v1.OperatorSpec {
  const p = node.parameters;
  const spec: mesoflow.dataflow.v1.OperatorSpec.$Properties = { id, kind: node.kind, name: node.name, uid: node.uid ?? '' };
  if (p.window) spec.window = { time_kind: p.window.timeKind, size_ms: p.window.sizeMs, slide_ms: p.window.slideMs };
  if (p.itemsJson !== undefined) spec.collection = { items_json: p.itemsJson };
  if (p.path !== undefined) spec.text_file = { path: p.path };
  if (p.generate) {
    spec.generate =
      'count' in p.generate ? { count: p.generate.count, count_rate_per_second: p.generate.ratePerSecond ?? 0 } : { rate_per_second: p.generate.ratePerSecond };
  }
  if (p.sum) spec.sum = 'field' in p.sum ? { field: p.sum.field } : { selector: true };
  if (p.maxOutOfOrdernessMs !== undefined) spec.watermarks = { max_out_of_orderness_ms: p.maxOutOfOrdernessMs };
  return v1.OperatorSpec.create(spec);
}

/**
 * Compiles declared operators into a JobGraph and the function registry, and validates the
 * graph (`requireBundle` when the caller needs a bundle reference).
 */
export function compileNodes(
  jobName: string,
  nodes: readonly StreamNode[],
  config: JobConfigOptions,
  bundle: BundleReference | undefined,
  requireBundle = false,
): CompiledProgram {
  const ids = assignOperatorIds(nodes);
  const id = (node: StreamNode): string => ids.get(node) ?? '';

  // Parallelism: explicit, else the environment's; KEY_BY keeps its input's so it chains with
  // it (it only computes the key); non-parallel sources stay at 1. Inputs come first.
  const parallelism = new Map<StreamNode, number>();
  for (const node of nodes) {
    const inherited = node.kind === v1.OperatorKind.KEY_BY ? parallelism.get(node.inputs[0].node) : undefined;
    parallelism.set(node, node.parallelism ?? inherited ?? Math.min(config.defaultParallelism, node.maxParallelism));
  }
  const p = (node: StreamNode): number => parallelism.get(node) ?? config.defaultParallelism;

  const consumers = new Map<StreamNode, number>();
  for (const node of nodes) for (const input of node.inputs) consumers.set(input.node, (consumers.get(input.node) ?? 0) + 1);

  const chainsWithInput = (node: StreamNode): boolean =>
    node.inputs.length === 1 &&
    consumers.get(node.inputs[0].node) === 1 &&
    partitioning(node.inputs[0], p(node.inputs[0].node), p(node)) === v1.Partitioning.FORWARD;

  // Heads in declaration order give a topological vertex order: a head's inputs were declared
  // before it, and so were the heads of their chains.
  const vertexOf = new Map<StreamNode, mesoflow.dataflow.v1.JobVertex>();
  const vertices: mesoflow.dataflow.v1.JobVertex[] = [];
  const next = new Map<StreamNode, StreamNode>();
  for (const node of nodes) if (chainsWithInput(node)) next.set(node.inputs[0].node, node);
  for (const head of nodes) {
    if (chainsWithInput(head)) continue;
    const chain: StreamNode[] = [];
    for (let node: StreamNode | undefined = head; node !== undefined; node = next.get(node)) chain.push(node);
    const vertex = v1.JobVertex.create({
      id: id(head),
      name: chain.map((node) => node.name).join(' -> '),
      parallelism: p(head),
      max_parallelism: Math.min(config.maxParallelism, ...chain.map((node) => node.maxParallelism)),
      operators: chain.map((node) => operatorSpec(node, id(node))),
    });
    vertices.push(vertex);
    for (const node of chain) vertexOf.set(node, vertex);
  }

  const edges: mesoflow.dataflow.v1.JobEdge[] = [];
  for (const node of nodes) {
    if (chainsWithInput(node)) continue;
    for (const input of node.inputs) {
      const kind = partitioning(input, p(input.node), p(node));
      edges.push(
        v1.JobEdge.create({
          source_vertex_id: vertexOf.get(input.node)?.id ?? '',
          target_vertex_id: vertexOf.get(node)?.id ?? '',
          partitioning: kind,
          key_selector_operator_id: kind === v1.Partitioning.HASH ? id(input.node) : '',
          join_side: input.side,
          source_operator_id: id(input.node),
          target_operator_id: id(node),
        }),
      );
    }
  }

  const unbounded = nodes.filter((node) => node.kind === v1.OperatorKind.SOURCE_GENERATE && node.parameters.generate !== undefined && !('count' in node.parameters.generate));
  const mode = config.runtimeMode ?? 'STREAMING';
  if (mode === 'BATCH' && unbounded.length > 0) {
    throw new DataflowError(
      DataflowErrorCode.INVALID_PROGRAM,
      `Job '${jobName}' runs in BATCH mode but '${unbounded[0].name}' is an unbounded source; use STREAMING (or AUTOMATIC) for unbounded input`,
    );
  }
  const batch = mode === 'BATCH' || (mode === 'AUTOMATIC' && unbounded.length === 0);
  const eventTime = nodes.some(
    (node) => node.kind === v1.OperatorKind.TIMESTAMPS_WATERMARKS || node.parameters.window?.timeKind === v1.TimeKind.EVENT_TIME,
  );
  // create, not fromObject: fromObject leaves zero 64-bit fields unset, and the generated
  // prototype defaults for those are Long objects (see the report), so every field is set here.
  const graph = v1.JobGraph.create({
    job_name: jobName,
    vertices,
    edges,
    config: {
      default_parallelism: config.defaultParallelism,
      max_parallelism: config.maxParallelism,
      restart_strategy: { attempts: config.restartAttempts, delay_ms: config.restartDelayMs },
      time_characteristic: eventTime ? v1.TimeKind.EVENT_TIME : v1.TimeKind.PROCESSING_TIME,
      runtime_mode: batch ? v1.RuntimeMode.BATCH : v1.RuntimeMode.STREAMING,
    },
    bundle: bundle === undefined ? null : { path: bundle.path, sha256: bundle.sha256 },
  });
  validateJobGraph(graph, { requireBundle });

  const functions = new Map<string, UserFunction>();
  for (const node of nodes) if (node.fn !== undefined) functions.set(id(node), node.fn);
  return { graph, functions, operatorIds: ids };
}
