// Rules every job graph must satisfy before a job master schedules it. The graph may come from
// anywhere (a file written by `bin/mesoflow jobgraph`, another client, an older version), so
// nothing is assumed: every problem is collected and reported at once.
import { mesoflow } from '@mesoflow/proto';
import { DataflowError, DataflowErrorCode, JobGraphProblemCode, type JobGraphProblem } from './errors';
import { kindName, MAX_MAX_PARALLELISM } from './transformation';

const v1 = mesoflow.dataflow.v1;
const Kind = v1.OperatorKind;
type GraphProperties = mesoflow.dataflow.v1.JobGraph.$Properties;
type OperatorProperties = mesoflow.dataflow.v1.OperatorSpec.$Properties;

/** Options of {@link validateJobGraph}. */
export interface ValidateOptions {
  /** Report a missing bundle reference (a graph to submit needs one). @default false */
  readonly requireBundle?: boolean;
}

const SINKS = new Set<number>([Kind.SINK_PRINT, Kind.SINK_TEXT_FILE, Kind.SINK_COLLECT]);
const WINDOWED = new Set<number>([Kind.WINDOW_REDUCE, Kind.WINDOW_SUM, Kind.WINDOW_APPLY, Kind.WINDOW_JOIN]);

/**
 * A 64-bit field as a number. Decoded messages can hold a Long for a field absent on the wire:
 * the generated prototype default is created while the `long` package is still active.
 */
function int64(value: number | { toNumber(): number } | null | undefined): number {
  if (typeof value === 'number') return value;
  return value ? value.toNumber() : 0;
}

function isKnown(enumObject: Record<string, string | number>, value: number | null | undefined): boolean {
  return typeof value === 'number' && value !== 0 && typeof enumObject[value] === 'string';
}

function operatorProblems(op: OperatorProperties, where: string): string[] {
  const problems: string[] = [];
  const kind = op.kind ?? 0;
  if (WINDOWED.has(kind)) {
    const w = op.window;
    if (!w) problems.push(`${where} is a ${kindName(kind)} without a window; expected window size, slide and time kind`);
    else {
      if (!isKnown(v1.TimeKind, w.time_kind))
        problems.push(`${where} has window time kind ${String(w.time_kind ?? 0)}; expected PROCESSING_TIME or EVENT_TIME`);
      if (!(int64(w.size_ms) > 0)) problems.push(`${where} has window size ${int64(w.size_ms)} ms; expected > 0`);
      if (!(int64(w.slide_ms) > 0)) problems.push(`${where} has window slide ${int64(w.slide_ms)} ms; expected > 0`);
    }
  }
  // Only some kinds have parameters to check, so an if chain rather than an exhaustive switch.
  if (kind === Kind.SOURCE_COLLECTION) {
    try {
      if (!Array.isArray(JSON.parse(op.collection?.items_json ?? ''))) throw new Error('not an array');
    } catch {
      problems.push(`${where} has collection items ${JSON.stringify(op.collection?.items_json ?? '')}; expected a JSON array`);
    }
  } else if (kind === Kind.SOURCE_TEXT_FILE || kind === Kind.SINK_TEXT_FILE) {
    if (!op.text_file?.path) problems.push(`${where} has no file path; expected text_file.path`);
  } else if (kind === Kind.SOURCE_GENERATE) {
    const g = op.generate;
    const bounded = g?.count !== undefined && g.count !== null;
    const rate = g?.rate_per_second;
    const countRate = Number(g?.count_rate_per_second ?? 0);
    if (!bounded && !(typeof rate === 'number' && rate > 0 && Number.isFinite(rate))) {
      problems.push(`${where} has neither a count nor a rate per second > 0; expected one of them`);
    } else if (!(countRate >= 0 && Number.isFinite(countRate))) {
      problems.push(`${where} has count_rate_per_second ${String(g?.count_rate_per_second)}; expected a number >= 0`);
    }
  } else if (kind === Kind.SUM || kind === Kind.WINDOW_SUM) {
    if (!op.sum || (!op.sum.field && op.sum.selector !== true)) problems.push(`${where} has no sum field or selector`);
  }
  return problems;
}

/** Every problem of `graph`, empty when it is valid. See {@link validateJobGraph} for the rules. */
export function jobGraphProblems(graph: GraphProperties, options: ValidateOptions = {}): JobGraphProblem[] {
  const problems: JobGraphProblem[] = [];
  const report = (code: JobGraphProblemCode, message: string): void => {
    problems.push({ code, message });
  };
  const vertices = graph.vertices ?? [];
  const edges = graph.edges ?? [];
  const maxParallelism = graph.config?.max_parallelism ?? 0;

  if (!(maxParallelism >= 1 && maxParallelism <= MAX_MAX_PARALLELISM)) {
    report(JobGraphProblemCode.PARALLELISM_OUT_OF_RANGE, `Job max parallelism is ${maxParallelism}; expected 1 to ${MAX_MAX_PARALLELISM}`);
  }
  const defaultParallelism = graph.config?.default_parallelism ?? 0;
  if (!(defaultParallelism >= 1 && defaultParallelism <= Math.max(1, maxParallelism))) {
    report(
      JobGraphProblemCode.PARALLELISM_OUT_OF_RANGE,
      `Job default parallelism is ${defaultParallelism}; expected 1 to the max parallelism ${maxParallelism}`,
    );
  }
  if (options.requireBundle && (!graph.bundle?.path || !/^[0-9a-f]{64}$/.test(graph.bundle.sha256 ?? ''))) {
    report(
      JobGraphProblemCode.MISSING_BUNDLE,
      `Job '${graph.job_name ?? ''}' has bundle ${JSON.stringify(graph.bundle ?? null)}; expected a path and a lower-case hex SHA-256 of the program bundle`,
    );
  }

  // Vertices and their operators.
  const vertexById = new Map<string, mesoflow.dataflow.v1.JobVertex.$Properties>();
  const operatorVertex = new Map<string, string>();
  let sinks = 0;
  vertices.forEach((vertex, index) => {
    const vid = vertex.id ?? '';
    const where = `Vertex '${vid}'`;
    if (vid === '') report(JobGraphProblemCode.DUPLICATE_ID, `Vertex #${index + 1} has an empty id`);
    else if (vertexById.has(vid)) report(JobGraphProblemCode.DUPLICATE_ID, `${where} appears more than once`);
    vertexById.set(vid, vertex);
    const vmax = vertex.max_parallelism ?? 0;
    if (!(vmax >= 1 && vmax <= Math.max(1, Math.min(maxParallelism, MAX_MAX_PARALLELISM)))) {
      report(JobGraphProblemCode.PARALLELISM_OUT_OF_RANGE, `${where} has max parallelism ${vmax}; expected 1 to the job's ${maxParallelism}`);
    }
    const vp = vertex.parallelism ?? 0;
    if (!(vp >= 1 && vp <= vmax)) {
      report(JobGraphProblemCode.PARALLELISM_OUT_OF_RANGE, `${where} has parallelism ${vp}; expected 1 to its max parallelism ${vmax}`);
    }
    const operators = vertex.operators ?? [];
    if (operators.length === 0) report(JobGraphProblemCode.EMPTY_VERTEX, `${where} has no operators; expected a chain of at least one`);
    operators.forEach((op, position) => {
      const oid = op.id ?? '';
      const opWhere = `Operator '${oid}' ('${op.name ?? ''}') of vertex '${vid}'`;
      if (oid === '') report(JobGraphProblemCode.DUPLICATE_ID, `Operator #${position + 1} of vertex '${vid}' has an empty id`);
      else if (operatorVertex.has(oid)) report(JobGraphProblemCode.DUPLICATE_ID, `${opWhere} has an id already used in vertex '${operatorVertex.get(oid) ?? ''}'`);
      operatorVertex.set(oid, vid);
      if (!isKnown(v1.OperatorKind, op.kind)) {
        report(JobGraphProblemCode.UNKNOWN_OPERATOR_KIND, `${opWhere} has kind ${String(op.kind ?? 0)}; expected one of SOURCE_COLLECTION … SINK_COLLECT`);
        return;
      }
      if (SINKS.has(op.kind ?? 0)) sinks++;
      if (op.kind === Kind.WINDOW_JOIN && position !== 0) {
        report(JobGraphProblemCode.JOIN_INPUTS, `${opWhere} is a window join at position ${position + 1} of its chain; expected it first, fed by a LEFT and a RIGHT edge`);
      }
      for (const message of operatorProblems(op, opWhere)) report(JobGraphProblemCode.INVALID_PARAMETERS, message);
    });
  });
  if (sinks === 0) {
    report(JobGraphProblemCode.NO_SINK, `Job '${graph.job_name ?? ''}' has no sink; expected at least one print(), writeAsText() or collect()`);
  }

  // Edges.
  const inputs = new Map<string, mesoflow.dataflow.v1.JobEdge.$Properties[]>();
  edges.forEach((edge, index) => {
    const from = edge.source_vertex_id ?? '';
    const to = edge.target_vertex_id ?? '';
    const where = `Edge #${index + 1} ('${from}' -> '${to}')`;
    const source = vertexById.get(from);
    const target = vertexById.get(to);
    if (!source) report(JobGraphProblemCode.MISSING_VERTEX, `${where} comes from vertex '${from}', which is not in the graph`);
    if (!target) report(JobGraphProblemCode.MISSING_VERTEX, `${where} goes to vertex '${to}', which is not in the graph`);
    if (target) inputs.set(to, [...(inputs.get(to) ?? []), edge]);
    if (!isKnown(v1.Partitioning, edge.partitioning)) {
      report(JobGraphProblemCode.UNKNOWN_PARTITIONING, `${where} has partitioning ${String(edge.partitioning ?? 0)}; expected FORWARD, HASH, REBALANCE or BROADCAST`);
    }
    if (edge.partitioning === v1.Partitioning.HASH) {
      const selector = edge.key_selector_operator_id ?? '';
      const last = source?.operators?.[source.operators.length - 1];
      if (selector === '') {
        report(JobGraphProblemCode.HASH_WITHOUT_KEY_SELECTOR, `${where} is HASH partitioned without a key selector; expected the id of the KEY_BY operator ending vertex '${from}'`);
      } else if (source && (last?.id !== selector || last.kind !== Kind.KEY_BY)) {
        report(
          JobGraphProblemCode.HASH_WITHOUT_KEY_SELECTOR,
          `${where} names key selector '${selector}'; expected the KEY_BY operator ending vertex '${from}', which ends with '${last?.id ?? ''}'`,
        );
      }
    }
    if (edge.partitioning === v1.Partitioning.FORWARD && source && target && source.parallelism !== target.parallelism) {
      report(
        JobGraphProblemCode.PARALLELISM_OUT_OF_RANGE,
        `${where} is FORWARD between parallelism ${source.parallelism ?? 0} and ${target.parallelism ?? 0}; expected equal parallelism or REBALANCE`,
      );
    }
  });

  // Joins: exactly one LEFT and one RIGHT input, both HASH.
  for (const vertex of vertices) {
    const head = vertex.operators?.[0];
    if (head?.kind !== Kind.WINDOW_JOIN) continue;
    const edgesIn = inputs.get(vertex.id ?? '') ?? [];
    const left = edgesIn.filter((e) => e.join_side === v1.JoinSide.LEFT).length;
    const right = edgesIn.filter((e) => e.join_side === v1.JoinSide.RIGHT).length;
    if (left !== 1 || right !== 1 || edgesIn.length !== 2) {
      report(
        JobGraphProblemCode.JOIN_INPUTS,
        `Window join '${head.id ?? ''}' (vertex '${vertex.id ?? ''}') has ${left} LEFT and ${right} RIGHT inputs of ${edgesIn.length}; expected exactly one of each`,
      );
    }
  }

  const cycle = findCycle([...vertexById.keys()], edges);
  if (cycle) report(JobGraphProblemCode.CYCLE, `Vertices form a cycle: ${cycle.map((v) => `'${v}'`).join(' -> ')}; expected a DAG`);
  return problems;
}

/** One cycle as a closed path of vertex ids, or undefined. Edges to missing vertices are ignored. */
function findCycle(vertexIds: readonly string[], edges: readonly mesoflow.dataflow.v1.JobEdge.$Properties[]): string[] | undefined {
  const out = new Map<string, string[]>(vertexIds.map((id) => [id, []]));
  for (const edge of edges) {
    const targets = out.get(edge.source_vertex_id ?? '');
    if (targets && out.has(edge.target_vertex_id ?? '')) targets.push(edge.target_vertex_id ?? '');
  }
  // Iterative DFS with colours, so a long chain of vertices cannot overflow the stack.
  const state = new Map<string, 'active' | 'done'>();
  for (const start of vertexIds) {
    if (state.has(start)) continue;
    const path: string[] = [start];
    const cursors: number[] = [0];
    state.set(start, 'active');
    while (path.length > 0) {
      const current = path[path.length - 1];
      const targets = out.get(current) ?? [];
      const cursor = cursors[cursors.length - 1]++;
      if (cursor >= targets.length) {
        state.set(current, 'done');
        path.pop();
        cursors.pop();
        continue;
      }
      const target = targets[cursor];
      if (state.get(target) === 'active') return [...path.slice(path.indexOf(target)), target];
      if (!state.has(target)) {
        state.set(target, 'active');
        path.push(target);
        cursors.push(0);
      }
    }
  }
  return undefined;
}

/**
 * Checks a job graph and throws a {@link DataflowError} `INVALID_JOB_GRAPH` whose `problems`
 * list every problem (a {@link JobGraphProblemCode} and a sentence each): a cycle; a parallelism
 * outside 1..max parallelism or a max parallelism outside 1..32768; an unspecified or unknown
 * operator kind or partitioning; an edge from or to a missing vertex; a HASH edge without the
 * KEY_BY operator that computes its key; a window join without one LEFT and one RIGHT input;
 * a missing bundle reference (with `requireBundle`); no sink; duplicate or empty ids, empty
 * vertices and operator parameters that do not fit the kind.
 */
export function validateJobGraph(graph: GraphProperties, options: ValidateOptions = {}): void {
  const problems = jobGraphProblems(graph, options);
  if (problems.length === 0) return;
  const summary = problems.map((problem) => `  - ${problem.message}`).join('\n');
  throw new DataflowError(
    DataflowErrorCode.INVALID_JOB_GRAPH,
    `Job graph '${graph.job_name ?? ''}' is invalid (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n${summary}`,
    problems,
  );
}
