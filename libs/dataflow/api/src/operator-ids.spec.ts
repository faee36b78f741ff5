import { thrownBy } from './test-programs/thrown';
import { mesoflow } from '@mesoflow/proto';
import { compileJobGraph, StreamExecutionEnvironment } from './environment';
import { DataflowErrorCode } from './errors';
import { windowJoin, wordCount, type WordCountVariant } from './test-programs/programs';

const { OperatorKind: Kind } = mesoflow.dataflow.v1;

/** Operator ids by kind name (in declaration order), e.g. { FLAT_MAP: ['flat-map-…'] }. */
function idsOf(variant: WordCountVariant = {}): Record<string, string> {
  const env = StreamExecutionEnvironment.getExecutionEnvironment();
  wordCount(env, variant);
  const ops = compileJobGraph(env, 'WordCount').vertices.flatMap((v) => v.operators!);
  return Object.fromEntries(ops.map((op) => [Kind[op.kind!], op.id!]));
}

describe('operator ids', () => {
  it('are identical across two builds of the same program', () => {
    const build = (): Uint8Array => {
      const env = StreamExecutionEnvironment.getExecutionEnvironment();
      windowJoin(env);
      return mesoflow.dataflow.v1.JobGraph.encode(compileJobGraph(env, 'WindowJoin')).finish();
    };
    expect(Buffer.from(build()).equals(Buffer.from(build()))).toBe(true);
    expect(idsOf()).toEqual(idsOf());
  });

  it('do not depend on names or parallelism', () => {
    expect(idsOf({ flatMapName: 'Tokenizer', flatMapParallelism: 2 })).toEqual(idsOf());
  });

  it('change only at and downstream of an inserted operator', () => {
    const before = idsOf();
    const after = idsOf({ filterShortWords: true });
    expect(after.SOURCE_COLLECTION).toBe(before.SOURCE_COLLECTION);
    expect(after.FLAT_MAP).toBe(before.FLAT_MAP);
    expect(after.FILTER).toMatch(/^filter-[0-9a-f]{12}$/);
    for (const kind of ['KEY_BY', 'SUM', 'SINK_PRINT']) expect(after[kind]).not.toBe(before[kind]);
  });

  it('stop changing below an operator with a uid', () => {
    const before = idsOf({ sumUid: 'word-counts' });
    const after = idsOf({ sumUid: 'word-counts', filterShortWords: true });
    expect(before.SUM).toBe('word-counts');
    expect(after.SUM).toBe('word-counts');
    expect(after.SINK_PRINT).toBe(before.SINK_PRINT);
    expect(after.KEY_BY).not.toBe(before.KEY_BY);
  });

  it('tell apart identical operators on the same input by declaration order', () => {
    const env = StreamExecutionEnvironment.getExecutionEnvironment();
    const numbers = env.fromCollection([1, 2, 3]);
    numbers.map((n) => n + 1).print();
    numbers.map((n) => n * 2).print();
    const maps = compileJobGraph(env, 'job')
      .vertices.flatMap((v) => v.operators!)
      .filter((op) => op.kind === Kind.MAP);
    expect(new Set(maps.map((op) => op.id)).size).toBe(2);
  });

  it('keep a branch declared later from changing earlier ids', () => {
    const env = StreamExecutionEnvironment.getExecutionEnvironment();
    wordCount(env);
    const graph = compileJobGraph(env, 'WordCount');
    const env2 = StreamExecutionEnvironment.getExecutionEnvironment();
    wordCount(env2);
    env2.fromCollection(['extra']).print();
    const ids = (g: mesoflow.dataflow.v1.JobGraph): string[] => g.vertices.flatMap((v) => v.operators!.map((op) => op.id!));
    expect(ids(compileJobGraph(env2, 'WordCount'))).toEqual(expect.arrayContaining(ids(graph)));
  });

  it('reject two operators with one uid, naming both', () => {
    const env = StreamExecutionEnvironment.getExecutionEnvironment();
    env.fromCollection([1]).uid('numbers').map((n) => n).uid('numbers').print();
    expect(thrownBy(() => compileJobGraph(env, 'job'))).toMatchObject(
      {
        code: DataflowErrorCode.INVALID_PROGRAM,
        message: "Operators 'Source: Collection' (#1) and 'Map' (#2) have the same id 'numbers'; give each operator a different uid",
      },
    );
  });

  it('reject a uid that is not a plain token', () => {
    const env = StreamExecutionEnvironment.getExecutionEnvironment();
    expect(() => env.fromCollection([1]).uid('has space')).toThrow(
      "uid of 'Source: Collection' must be 1 to 128 characters of letters, digits and '._:-' starting with a letter or digit, got 'has space'",
    );
  });
});
