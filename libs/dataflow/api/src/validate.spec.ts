import { thrownBy } from './test-programs/thrown';
import { mesoflow } from '@mesoflow/proto';
import { decodeJobGraph, encodeJobGraph } from './codec';
import { compileJobGraph, StreamExecutionEnvironment } from './environment';
import { DataflowError, DataflowErrorCode, JobGraphProblemCode } from './errors';
import { windowJoin, wordCount } from './test-programs/programs';
import { jobGraphProblems, validateJobGraph } from './validate';

const v1 = mesoflow.dataflow.v1;
type JobGraph = mesoflow.dataflow.v1.JobGraph;

/** A fresh, mutable copy of a compiled program's graph. */
function compiled(program: (env: StreamExecutionEnvironment) => void, name: string): JobGraph {
  const env = StreamExecutionEnvironment.getExecutionEnvironment();
  program(env);
  return decodeJobGraph(encodeJobGraph(compileJobGraph(env, name)));
}

const wordCountGraph = (): JobGraph => compiled(wordCount, 'WordCount');
const windowJoinGraph = (): JobGraph => compiled(windowJoin, 'WindowJoin');

describe('validateJobGraph', () => {
  it('accepts the compiled WordCount and WindowJoin graphs', () => {
    expect(jobGraphProblems(wordCountGraph())).toEqual([]);
    expect(jobGraphProblems(windowJoinGraph())).toEqual([]);
  });

  it('throws one INVALID_JOB_GRAPH error listing every problem', () => {
    const graph = wordCountGraph();
    graph.vertices[1].parallelism = 0;
    graph.edges[0].target_vertex_id = 'nowhere';
    let error: unknown;
    try {
      validateJobGraph(graph);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(DataflowError);
    const { code, problems, message } = error as DataflowError;
    expect(code).toBe(DataflowErrorCode.INVALID_JOB_GRAPH);
    expect(problems.map((p) => p.code)).toEqual([JobGraphProblemCode.PARALLELISM_OUT_OF_RANGE, JobGraphProblemCode.MISSING_VERTEX]);
    expect(message).toBe(`Job graph 'WordCount' is invalid (2 problems):\n${problems.map((p) => `  - ${p.message}`).join('\n')}`);
  });

  it('reports a cycle with its path', () => {
    const graph = wordCountGraph();
    const [source, words, counts] = graph.vertices.map((v) => v.id!);
    graph.edges.push(v1.JobEdge.create({ source_vertex_id: counts, target_vertex_id: words, partitioning: v1.Partitioning.REBALANCE }));
    expect(jobGraphProblems(graph)).toEqual([
      {
        code: JobGraphProblemCode.CYCLE,
        message: `Vertices form a cycle: '${words}' -> '${counts}' -> '${words}'; expected a DAG`,
      },
    ]);
    expect(source).toBeDefined();
  });

  it('reports parallelism out of range for vertices and the job', () => {
    const graph = wordCountGraph();
    const [, words, counts] = graph.vertices;
    words.parallelism = 0;
    counts.parallelism = 200;
    graph.config!.max_parallelism = 40_000;
    expect(jobGraphProblems(graph)).toEqual([
      { code: JobGraphProblemCode.PARALLELISM_OUT_OF_RANGE, message: 'Job max parallelism is 40000; expected 1 to 32768' },
      { code: JobGraphProblemCode.PARALLELISM_OUT_OF_RANGE, message: `Vertex '${words.id}' has parallelism 0; expected 1 to its max parallelism 128` },
      { code: JobGraphProblemCode.PARALLELISM_OUT_OF_RANGE, message: `Vertex '${counts.id}' has parallelism 200; expected 1 to its max parallelism 128` },
    ]);
  });

  it('reports an unknown or unspecified operator kind', () => {
    const graph = wordCountGraph();
    const [flatMap, keyBy] = graph.vertices[1].operators!;
    flatMap.kind = 99 as mesoflow.dataflow.v1.OperatorKind;
    const sink = graph.vertices[2].operators![1];
    sink.kind = v1.OperatorKind.OPERATOR_KIND_UNSPECIFIED;
    expect(jobGraphProblems(graph)).toEqual([
      {
        code: JobGraphProblemCode.UNKNOWN_OPERATOR_KIND,
        message: `Operator '${flatMap.id}' ('Flat Map') of vertex '${flatMap.id}' has kind 99; expected one of SOURCE_COLLECTION … SINK_COLLECT`,
      },
      {
        code: JobGraphProblemCode.UNKNOWN_OPERATOR_KIND,
        message: `Operator '${sink.id}' ('Sink: Print to Std. Out') of vertex '${graph.vertices[2].id}' has kind 0; expected one of SOURCE_COLLECTION … SINK_COLLECT`,
      },
      // With its only sink unknown, the graph has no sink either.
      { code: JobGraphProblemCode.NO_SINK, message: "Job 'WordCount' has no sink; expected at least one print(), writeAsText() or collect()" },
    ]);
    expect(keyBy.kind).toBe(v1.OperatorKind.KEY_BY);
  });

  it('reports an edge from or to a missing vertex', () => {
    const graph = wordCountGraph();
    graph.edges[0].source_vertex_id = 'ghost';
    const to = graph.edges[0].target_vertex_id!;
    expect(jobGraphProblems(graph)).toEqual([
      { code: JobGraphProblemCode.MISSING_VERTEX, message: `Edge #1 ('ghost' -> '${to}') comes from vertex 'ghost', which is not in the graph` },
    ]);
  });

  it('reports a HASH edge without a key selector, or with one that is not the KEY_BY ending the source vertex', () => {
    const graph = wordCountGraph();
    const hash = graph.edges[1];
    const from = hash.source_vertex_id!;
    const to = hash.target_vertex_id!;
    hash.key_selector_operator_id = '';
    expect(jobGraphProblems(graph)).toEqual([
      {
        code: JobGraphProblemCode.HASH_WITHOUT_KEY_SELECTOR,
        message: `Edge #2 ('${from}' -> '${to}') is HASH partitioned without a key selector; expected the id of the KEY_BY operator ending vertex '${from}'`,
      },
    ]);
    hash.key_selector_operator_id = from;
    const keyBy = graph.vertices[1].operators![1].id!;
    expect(jobGraphProblems(graph)).toEqual([
      {
        code: JobGraphProblemCode.HASH_WITHOUT_KEY_SELECTOR,
        message: `Edge #2 ('${from}' -> '${to}') names key selector '${from}'; expected the KEY_BY operator ending vertex '${from}', which ends with '${keyBy}'`,
      },
    ]);
  });

  it('reports a join without both inputs', () => {
    const graph = windowJoinGraph();
    graph.edges.splice(1, 1); // the RIGHT input
    const join = graph.vertices[2];
    expect(jobGraphProblems(graph)).toEqual([
      {
        code: JobGraphProblemCode.JOIN_INPUTS,
        message: `Window join '${join.operators![0].id}' (vertex '${join.id}') has 1 LEFT and 0 RIGHT inputs of 1; expected exactly one of each`,
      },
    ]);
  });

  it('reports a missing bundle reference only when one is required', () => {
    const graph = wordCountGraph();
    expect(jobGraphProblems(graph)).toEqual([]);
    expect(jobGraphProblems(graph, { requireBundle: true })).toEqual([
      {
        code: JobGraphProblemCode.MISSING_BUNDLE,
        message:
          "Job 'WordCount' has bundle null; expected a path and a lower-case hex SHA-256 of the program bundle",
      },
    ]);
    graph.bundle = { path: 'jobs/wc.js', sha256: 'not-a-hash' };
    expect(jobGraphProblems(graph, { requireBundle: true }).map((p) => p.code)).toEqual([JobGraphProblemCode.MISSING_BUNDLE]);
    graph.bundle = { path: 'jobs/wc.js', sha256: 'c'.repeat(64) };
    expect(jobGraphProblems(graph, { requireBundle: true })).toEqual([]);
  });

  it('refuses to compile a sink-less program', () => {
    const env = StreamExecutionEnvironment.getExecutionEnvironment();
    env.fromCollection(['a']).map((s) => s.length);
    expect(thrownBy(() => compileJobGraph(env, 'Pointless'))).toMatchObject(
      {
        code: DataflowErrorCode.INVALID_JOB_GRAPH,
        problems: [{ code: JobGraphProblemCode.NO_SINK, message: "Job 'Pointless' has no sink; expected at least one print(), writeAsText() or collect()" }],
      },
    );
  });

  it('reports unknown partitioning, duplicate ids, empty vertices and bad parameters', () => {
    const graph = windowJoinGraph();
    graph.edges[2].partitioning = v1.Partitioning.PARTITIONING_UNSPECIFIED;
    graph.vertices[1].operators![0].id = graph.vertices[0].operators![0].id;
    graph.vertices[2].operators![0].window!.size_ms = 0;
    graph.vertices.push(v1.JobVertex.create({ id: 'empty', name: 'Empty', parallelism: 1, max_parallelism: 1 }));
    const dup = graph.vertices[0].operators![0].id!;
    const join = graph.vertices[2].operators![0].id!;
    expect(jobGraphProblems(graph)).toEqual([
      {
        code: JobGraphProblemCode.DUPLICATE_ID,
        message: `Operator '${dup}' ('Salaries') of vertex '${graph.vertices[1].id}' has an id already used in vertex '${graph.vertices[0].id}'`,
      },
      {
        code: JobGraphProblemCode.INVALID_PARAMETERS,
        message: `Operator '${join}' ('Window Join') of vertex '${join}' has window size 0 ms; expected > 0`,
      },
      { code: JobGraphProblemCode.EMPTY_VERTEX, message: "Vertex 'empty' has no operators; expected a chain of at least one" },
      {
        code: JobGraphProblemCode.UNKNOWN_PARTITIONING,
        message: `Edge #3 ('${join}' -> '${graph.vertices[3].id}') has partitioning 0; expected FORWARD, HASH, REBALANCE or BROADCAST`,
      },
    ]);
  });
});
