import { mesoflow } from '@mesoflow/proto';
import { compileJobGraph, StreamExecutionEnvironment } from './environment';
import { LINES, windowJoin, wordCount } from './test-programs/programs';
import { SlidingProcessingTimeWindows, TumblingProcessingTimeWindows } from './windows';

const { OperatorKind: Kind, Partitioning, JoinSide, TimeKind } = mesoflow.dataflow.v1;

/** The graph's shape with ids replaced by chain names, so expectations read like the program. */
function shape(graph: mesoflow.dataflow.v1.JobGraph) {
  const name = new Map(graph.vertices.map((v) => [v.id!, v.name!]));
  return {
    vertices: graph.vertices.map((v) => ({
      name: v.name,
      parallelism: v.parallelism,
      kinds: v.operators!.map((op) => Kind[op.kind!]),
    })),
    edges: graph.edges.map((e) => ({
      from: name.get(e.source_vertex_id!),
      to: name.get(e.target_vertex_id!),
      partitioning: Partitioning[e.partitioning!],
      side: JoinSide[e.join_side!],
    })),
  };
}

const newEnv = (): StreamExecutionEnvironment => StreamExecutionEnvironment.getExecutionEnvironment();

describe('compileJobGraph: WordCount', () => {
  const env = newEnv();
  wordCount(env);
  const graph = compileJobGraph(env, 'WordCount');

  it('chains into source | flat map + key by | sum + print, with REBALANCE then HASH', () => {
    expect(shape(graph)).toEqual({
      vertices: [
        { name: 'Source: Collection', parallelism: 1, kinds: ['SOURCE_COLLECTION'] },
        { name: 'Flat Map -> Key By', parallelism: 4, kinds: ['FLAT_MAP', 'KEY_BY'] },
        { name: 'Keyed Sum -> Sink: Print to Std. Out', parallelism: 4, kinds: ['SUM', 'SINK_PRINT'] },
      ],
      edges: [
        { from: 'Source: Collection', to: 'Flat Map -> Key By', partitioning: 'REBALANCE', side: 'JOIN_SIDE_UNSPECIFIED' },
        { from: 'Flat Map -> Key By', to: 'Keyed Sum -> Sink: Print to Std. Out', partitioning: 'HASH', side: 'JOIN_SIDE_UNSPECIFIED' },
      ],
    });
  });

  it('names the KEY_BY operator as the HASH edge key selector and links edge operators', () => {
    const [, keyVertex, sumVertex] = graph.vertices;
    const hash = graph.edges[1];
    expect(hash.key_selector_operator_id).toBe(keyVertex.operators![1].id);
    expect(hash.source_operator_id).toBe(keyVertex.operators![1].id);
    expect(hash.target_operator_id).toBe(sumVertex.operators![0].id);
    expect(graph.edges[0].key_selector_operator_id).toBe('');
  });

  it('uses the head operator id as the vertex id', () => {
    for (const vertex of graph.vertices) expect(vertex.id).toBe(vertex.operators![0].id);
  });

  it('carries typed parameters and the job config', () => {
    const [source] = graph.vertices[0].operators!;
    expect(JSON.parse(source.collection?.items_json ?? '')).toEqual(LINES);
    expect(graph.vertices[0].max_parallelism).toBe(1);
    expect(graph.vertices[1].max_parallelism).toBe(128);
    expect(graph.vertices[2].operators![0].sum).toEqual({ field: '1' });
    expect(graph.config).toEqual(
      expect.objectContaining({
        default_parallelism: 4,
        max_parallelism: 128,
        time_characteristic: TimeKind.PROCESSING_TIME,
        restart_strategy: expect.objectContaining({ attempts: 0, delay_ms: 0 }),
      }),
    );
    expect(graph.job_name).toBe('WordCount');
    expect(graph.bundle).toBeNull();
  });

  it('makes vertex ids stable operator ids of the form <kind>-<12 hex digits>', () => {
    expect(graph.vertices.map((v) => v.id)).toEqual([
      expect.stringMatching(/^source-collection-[0-9a-f]{12}$/),
      expect.stringMatching(/^flat-map-[0-9a-f]{12}$/),
      expect.stringMatching(/^sum-[0-9a-f]{12}$/),
    ]);
  });
});

describe('compileJobGraph: WindowJoin', () => {
  const env = newEnv();
  windowJoin(env, 2000, 3);
  const graph = compileJobGraph(env, 'WindowJoin', { bundle: { path: 'jobs/window-join.js', sha256: 'a'.repeat(64) }, requireBundle: true });

  it('keys both inputs in their source chains and feeds the join over LEFT and RIGHT HASH edges', () => {
    expect(shape(graph)).toEqual({
      vertices: [
        { name: 'Grades -> Timestamps/Watermarks -> Key By', parallelism: 2, kinds: ['SOURCE_GENERATE', 'TIMESTAMPS_WATERMARKS', 'KEY_BY'] },
        { name: 'Salaries -> Timestamps/Watermarks -> Key By', parallelism: 2, kinds: ['SOURCE_GENERATE', 'TIMESTAMPS_WATERMARKS', 'KEY_BY'] },
        { name: 'Window Join', parallelism: 2, kinds: ['WINDOW_JOIN'] },
        { name: 'Sink: Print to Std. Out', parallelism: 1, kinds: ['SINK_PRINT'] },
      ],
      edges: [
        { from: 'Grades -> Timestamps/Watermarks -> Key By', to: 'Window Join', partitioning: 'HASH', side: 'LEFT' },
        { from: 'Salaries -> Timestamps/Watermarks -> Key By', to: 'Window Join', partitioning: 'HASH', side: 'RIGHT' },
        { from: 'Window Join', to: 'Sink: Print to Std. Out', partitioning: 'REBALANCE', side: 'JOIN_SIDE_UNSPECIFIED' },
      ],
    });
  });

  it('carries the window, the generator rate, the lateness, event time and the bundle', () => {
    const join = graph.vertices[2].operators![0];
    expect(join.window).toEqual(expect.objectContaining({ time_kind: TimeKind.EVENT_TIME, size_ms: 2000, slide_ms: 2000 }));
    const [generator, watermarks] = graph.vertices[0].operators!;
    expect(generator.generate).toEqual(expect.objectContaining({ rate_per_second: 3 }));
    expect(watermarks.watermarks).toEqual(expect.objectContaining({ max_out_of_orderness_ms: 500 }));
    expect(graph.config?.time_characteristic).toBe(TimeKind.EVENT_TIME);
    expect(graph.bundle).toEqual(expect.objectContaining({ path: 'jobs/window-join.js', sha256: 'a'.repeat(64) }));
  });

  it('gives each HASH edge the KEY_BY operator of its side', () => {
    const [left, right] = graph.edges;
    expect(left.key_selector_operator_id).toBe(graph.vertices[0].operators![2].id);
    expect(right.key_selector_operator_id).toBe(graph.vertices[1].operators![2].id);
    expect(left.key_selector_operator_id).not.toBe(right.key_selector_operator_id);
  });
});

describe('compileJobGraph: chaining rules', () => {
  it('breaks a chain at a parallelism change (REBALANCE) and chains equal parallelism (FORWARD)', () => {
    const env = newEnv().setParallelism(2);
    env.readTextFile('/data/in.txt').map((line) => line.length).setParallelism(3).filter((n) => n > 0).setParallelism(3).writeAsText('/data/out.txt');
    expect(shape(compileJobGraph(env, 'job'))).toEqual({
      vertices: [
        { name: 'Source: Text File', parallelism: 2, kinds: ['SOURCE_TEXT_FILE'] },
        { name: 'Map -> Filter', parallelism: 3, kinds: ['MAP', 'FILTER'] },
        { name: 'Sink: Text File', parallelism: 2, kinds: ['SINK_TEXT_FILE'] },
      ],
      edges: [
        { from: 'Source: Text File', to: 'Map -> Filter', partitioning: 'REBALANCE', side: 'JOIN_SIDE_UNSPECIFIED' },
        { from: 'Map -> Filter', to: 'Sink: Text File', partitioning: 'REBALANCE', side: 'JOIN_SIDE_UNSPECIFIED' },
      ],
    });
  });

  it('ends a chain where a stream feeds two operators, and honours broadcast() and rebalance()', () => {
    const env = newEnv();
    const numbers = env.generate((i) => i, { count: 10 });
    numbers.broadcast().map((n) => n * 2).print();
    numbers.rebalance().filter((n) => n % 2 === 0).print();
    const s = shape(compileJobGraph(env, 'job'));
    expect(s.vertices.map((v) => v.name)).toEqual(['Source: Generator', 'Map -> Sink: Print to Std. Out', 'Filter -> Sink: Print to Std. Out']);
    expect(s.edges.map((e) => e.partitioning)).toEqual(['BROADCAST', 'REBALANCE']);
  });

  it('compiles keyed reduce, windowed reduce/sum/apply with their window parameters', () => {
    const env = newEnv();
    const events = env.fromCollection([{ user: 'a', clicks: 1 }]);
    const keyed = events.keyBy((e) => e.user);
    keyed.reduce((a, b) => ({ user: a.user, clicks: a.clicks + b.clicks })).print();
    keyed.window(TumblingProcessingTimeWindows.of(1000)).sum('clicks').print();
    keyed.window(SlidingProcessingTimeWindows.of(10_000, 2000)).sum((e) => e.clicks * 2).print();
    keyed
      .window(TumblingProcessingTimeWindows.of(500))
      .apply((user, window, values) => [`${user}@${window.start}: ${values.length}`])
      .print();
    const graph = compileJobGraph(env, 'job');
    const ops = graph.vertices.flatMap((v) => v.operators!);
    expect(ops.map((op) => Kind[op.kind!])).toEqual([
      'SOURCE_COLLECTION',
      'KEY_BY',
      'REDUCE',
      'SINK_PRINT',
      'WINDOW_SUM',
      'SINK_PRINT',
      'WINDOW_SUM',
      'SINK_PRINT',
      'WINDOW_APPLY',
      'SINK_PRINT',
    ]);
    const windows = ops.filter((op) => op.window).map((op) => [op.window?.time_kind, op.window?.size_ms, op.window?.slide_ms]);
    expect(windows).toEqual([
      [TimeKind.PROCESSING_TIME, 1000, 1000],
      [TimeKind.PROCESSING_TIME, 10_000, 2000],
      [TimeKind.PROCESSING_TIME, 500, 500],
    ]);
    expect(ops.filter((op) => op.sum).map((op) => op.sum)).toEqual([{ field: 'clicks' }, { selector: true }]);
    // One KEY_BY feeding four keyed operators: four HASH edges from its vertex.
    expect(graph.edges.filter((e) => e.partitioning === Partitioning.HASH)).toHaveLength(4);
  });
});
