import type { RuntimeProgram } from '@mesoflow/dataflow-api';
import { mesoflow } from '@mesoflow/proto';
import { SubtaskCounters } from './counters';
import { runJobLocally } from './local/executor';
import { runSubtask } from './subtask';
import { compileProgram } from './testing/programs';

const { Partitioning } = mesoflow.dataflow.v1;

const LINES = ['to be or not to be', 'that is the question'];
const WORDS = LINES.join(' ').split(' ').length;

/** Sums of what the subtasks of each vertex counted, by vertex id. */
async function countsPerVertex(program: RuntimeProgram): Promise<Map<string, { recordsIn: number; recordsOut: number }>> {
  const result = await runJobLocally(program.graph, program.functions, { stdout: () => undefined });
  expect(result.status).toBe('FINISHED');
  return new Map(
    [...result.counters].map(([vertexId, subtasks]) => [
      vertexId,
      { recordsIn: subtasks.reduce((sum, c) => sum + c.recordsIn, 0), recordsOut: subtasks.reduce((sum, c) => sum + c.recordsOut, 0) },
    ]),
  );
}

describe('SubtaskCounters', () => {
  it('counts what a source makes as records in and what a sink writes as records out, in one chained vertex', async () => {
    const program = await compileProgram((env) => {
      env
        .fromCollection([1, 2, 3, 4, 5])
        .filter((n: number) => n % 2 === 1)
        .collect();
    }, 1);
    expect(program.graph.vertices).toHaveLength(1);
    const counters = new SubtaskCounters();
    const vertexId = program.graph.vertices[0].id ?? '';
    const result = await runSubtask({ graph: program.graph, functions: program.functions, vertexId, subtaskIndex: 0, outputs: [], counters });
    expect(result.status).toBe('FINISHED');
    expect(counters).toEqual({ recordsIn: 5, recordsOut: 3 });
  });

  it('counts WordCount over every vertex: each edge carries as many records out of its producers as into its consumers', async () => {
    const program = await compileProgram((env) => {
      env
        .fromCollection(LINES)
        .flatMap((line: string) => line.split(' ').map((word): [string, number] => [word, 1]))
        .keyBy(([word]) => word)
        .sum(1)
        .print();
    }, 2);
    const counts = await countsPerVertex(program);
    const vertexIds = program.graph.vertices.map((vertex) => vertex.id ?? '');
    expect(program.graph.edges.length).toBeGreaterThan(0);
    for (const edge of program.graph.edges) expect(counts.get(edge.source_vertex_id ?? '')?.recordsOut).toBe(counts.get(edge.target_vertex_id ?? '')?.recordsIn);
    expect(counts.get(vertexIds[0])?.recordsIn).toBe(LINES.length);
    // The rolling sum prints one update per word.
    expect(counts.get(vertexIds[vertexIds.length - 1])).toEqual({ recordsIn: WORDS, recordsOut: WORDS });
  });

  it('counts a broadcast record once for its edge, not once per consumer', async () => {
    const program = await compileProgram((env) => {
      env.fromCollection(['a', 'b', 'c']).setParallelism(1).broadcast().map((s: string) => s.toUpperCase()).setParallelism(3).collect();
    }, 3);
    const edge = program.graph.edges.find((candidate) => candidate.partitioning === Partitioning.BROADCAST);
    if (edge === undefined) throw new Error('expected a BROADCAST edge');
    const counts = await countsPerVertex(program);
    expect(counts.get(edge.source_vertex_id ?? '')?.recordsOut).toBe(3);
    expect(counts.get(edge.target_vertex_id ?? '')).toEqual({ recordsIn: 9, recordsOut: 9 });
  });
});
