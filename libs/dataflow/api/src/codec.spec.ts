import { thrownBy } from './test-programs/thrown';
import { mesoflow } from '@mesoflow/proto';
import { decodeJobGraph, encodeJobGraph } from './codec';
import { compileJobGraph, StreamExecutionEnvironment } from './environment';
import { DataflowErrorCode } from './errors';
import { windowJoin, wordCount } from './test-programs/programs';

const { JobGraph } = mesoflow.dataflow.v1;
const asObject = (graph: mesoflow.dataflow.v1.JobGraph): Record<string, unknown> =>
  JobGraph.toObject(graph, { longs: Number, enums: String, defaults: true, oneofs: true });

describe('JobGraph encoding', () => {
  it.each([
    ['WordCount', wordCount],
    ['WindowJoin', windowJoin],
  ])('round-trips %s through protobuf bytes', (name, program) => {
    const env = StreamExecutionEnvironment.getExecutionEnvironment();
    program(env);
    const graph = compileJobGraph(env, name, { bundle: { path: `jobs/${name}.js`, sha256: 'd'.repeat(64) } });
    const bytes = encodeJobGraph(graph);
    const decoded = decodeJobGraph(bytes);
    expect(asObject(decoded)).toEqual(asObject(graph));
    expect(Buffer.from(encodeJobGraph(decoded)).equals(Buffer.from(bytes))).toBe(true);
  });

  it("keeps a bounded generator of 0 records apart from an unbounded one, and keeps a paced bounded one's rate", () => {
    const env = StreamExecutionEnvironment.getExecutionEnvironment();
    env.generate((i) => i, { count: 0 }).print();
    env.generate((i) => i, { ratePerSecond: 2.5 }).print();
    env.generate((i) => i, { count: 7, ratePerSecond: 3 }).print();
    const decoded = decodeJobGraph(encodeJobGraph(compileJobGraph(env, 'job')));
    const [bounded, unbounded, paced] = decoded.vertices.map((v) => v.operators![0].generate as mesoflow.dataflow.v1.GenerateSource);
    expect(bounded.bound).toBe('count');
    expect(bounded.count).toBe(0);
    expect(bounded.count_rate_per_second).toBe(0);
    expect(unbounded.bound).toBe('rate_per_second');
    expect(unbounded.rate_per_second).toBe(2.5);
    expect(paced).toMatchObject({ bound: 'count', count: 7, count_rate_per_second: 3 });
  });

  it('rejects bytes that are not a job graph', () => {
    expect(thrownBy(() => decodeJobGraph(Uint8Array.from([0x0a, 0xff])))).toMatchObject(
      { code: DataflowErrorCode.DECODE_FAILED, message: expect.stringMatching(/^2 bytes are not a mesoflow.dataflow.v1.JobGraph: /) },
    );
  });
});
