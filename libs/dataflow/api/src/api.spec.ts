import { mesoflow } from '@mesoflow/proto';
import { thrownBy } from './test-programs/thrown';
import { StreamExecutionEnvironment } from './environment';
import { DataflowErrorCode } from './errors';
import { SlidingEventTimeWindows, TumblingEventTimeWindows, TumblingProcessingTimeWindows } from './windows';

const env = (): StreamExecutionEnvironment => StreamExecutionEnvironment.getExecutionEnvironment();
const invalid = (message: string) => ({ code: DataflowErrorCode.INVALID_ARGUMENT, message });

describe('DataStream API arguments', () => {
  it('rejects parallelism outside 1..max, naming the operator', () => {
    expect(thrownBy(() => env().setParallelism(0))).toMatchObject(invalid('Default parallelism must be a whole number from 1 to 32768, got 0'));
    expect(thrownBy(() => env().setMaxParallelism(40_000))).toMatchObject(invalid('Max parallelism must be a whole number from 1 to 32768, got 40000'));
    expect(thrownBy(() => env().readTextFile('/in').map((s) => s).name('Parse').setParallelism(1.5))).toMatchObject(
      invalid("Parallelism of 'Parse' must be a whole number from 1 to 32768, got 1.5"),
    );
    expect(thrownBy(() => env().fromCollection([1]).setParallelism(2))).toMatchObject(
      invalid("Parallelism of 'Source: Collection' (a non-parallel operator) must be a whole number from 1 to 1, got 2"),
    );
  });

  it('rejects collection items that JSON cannot carry', () => {
    expect(thrownBy(() => env().fromCollection([1, undefined]))).toMatchObject(
      invalid(
        'fromCollection item 1 (undefined) is not a JSON value; the job graph carries items as JSON, so use strings, numbers, booleans, null, arrays and plain objects',
      ),
    );
    expect(thrownBy(() => env().fromCollection([new Date(0)]))).toMatchObject({ code: DataflowErrorCode.INVALID_ARGUMENT });
  });

  it('rejects bad generator bounds, paths, window sizes and lateness', () => {
    expect(thrownBy(() => env().generate((i) => i, { count: -1 }))).toMatchObject(invalid('generate count must be a whole number >= 0, got -1'));
    expect(thrownBy(() => env().generate((i) => i, { ratePerSecond: 0 }))).toMatchObject(
      invalid('generate needs { count } (a whole number >= 0) or { ratePerSecond } (> 0), got {"ratePerSecond":0}'),
    );
    expect(thrownBy(() => env().generate((i) => i, { count: 5, ratePerSecond: -1 }))).toMatchObject(invalid('generate ratePerSecond must be a number > 0, got -1'));
    expect(thrownBy(() => env().readTextFile(' '))).toMatchObject(invalid("readTextFile needs a file path, got ' '"));
    expect(thrownBy(() => TumblingProcessingTimeWindows.of(0))).toMatchObject(invalid('Window size must be a whole number of milliseconds > 0, got 0'));
    expect(thrownBy(() => SlidingEventTimeWindows.of(1000, -5))).toMatchObject(invalid('Window slide must be a whole number of milliseconds > 0, got -5'));
    expect(thrownBy(() => env().fromCollection([1]).assignTimestampsAndWatermarks({ timestamp: (n) => n, maxOutOfOrdernessMs: -1 }))).toMatchObject(
      invalid('maxOutOfOrdernessMs must be a whole number of milliseconds >= 0, got -1'),
    );
    expect(thrownBy(() => env().setRestartStrategy({ attempts: 3, delayMs: -1 }))).toMatchObject(invalid('Restart delay (ms) must be a whole number >= 0, got -1'));
  });

  it('resolves the runtime mode, refusing BATCH over an unbounded source', () => {
    const modeOf = (mode: 'STREAMING' | 'BATCH' | 'AUTOMATIC', unbounded: boolean): number | null | undefined => {
      const e = env().setRuntimeMode(mode);
      (unbounded ? e.generate((i) => i, { ratePerSecond: 10 }) : e.generate((i) => i, { count: 10 })).name('Numbers').print();
      return e.compile('job').graph.config?.runtime_mode;
    };
    const { RuntimeMode } = mesoflow.dataflow.v1;
    expect(modeOf('STREAMING', false)).toBe(RuntimeMode.STREAMING);
    expect(modeOf('BATCH', false)).toBe(RuntimeMode.BATCH);
    expect(modeOf('AUTOMATIC', false)).toBe(RuntimeMode.BATCH);
    expect(modeOf('AUTOMATIC', true)).toBe(RuntimeMode.STREAMING);
    expect(thrownBy(() => modeOf('BATCH', true))).toMatchObject({
      code: DataflowErrorCode.INVALID_PROGRAM,
      message: "Job 'job' runs in BATCH mode but 'Numbers' is an unbounded source; use STREAMING (or AUTOMATIC) for unbounded input",
    });
    expect(thrownBy(() => env().setRuntimeMode('FAST' as 'BATCH'))).toMatchObject(invalid("The runtime mode must be one of STREAMING, BATCH, AUTOMATIC, got 'FAST'"));
  });

  it('refuses an event-time window on a stream without timestamps', () => {
    const numbers = env().fromCollection([1, 2]).name('Numbers');
    expect(thrownBy(() => numbers.keyBy((n) => n % 2).window(TumblingEventTimeWindows.of(1000)))).toMatchObject(
      {
        code: DataflowErrorCode.INVALID_PROGRAM,
        message:
          "A keyed window uses an event-time window, but its input 'Key By' has no event timestamps; call assignTimestampsAndWatermarks(...) upstream or use a processing-time window",
      },
    );
    expect(thrownBy(() => numbers.join(numbers).where((n) => n).equalTo((n) => n).window(TumblingEventTimeWindows.of(1000)))).toMatchObject(
      { code: DataflowErrorCode.INVALID_PROGRAM },
    );
  });

  it('refuses to join streams of two environments', () => {
    expect(thrownBy(() => env().fromCollection([1]).join(env().fromCollection([2])))).toMatchObject(
      {
        code: DataflowErrorCode.INVALID_PROGRAM,
        message: "Cannot join 'Source: Collection' with 'Source: Collection': they belong to different environments",
      },
    );
  });
});

// Checked by `tsc` (the typecheck target); the bodies never run.
export function typeChecks(): void {
  const pairs = env().fromCollection<[string, number]>([['a', 1]]);
  pairs.keyBy(([word]) => word).sum(1);
  // @ts-expect-error index 0 holds a string, not a number
  pairs.keyBy(([word]) => word).sum(0);
  const people = env().fromCollection([{ name: 'a', age: 1 }]);
  people.keyBy((p) => p.name).sum('age');
  // @ts-expect-error `name` is not numeric
  people.keyBy((p) => p.name).sum('name');
  // @ts-expect-error keys must be hashable values, not objects
  people.keyBy((p) => ({ p }));
  const bySelector = people.keyBy((p) => p.name).sum((p) => p.age);
  bySelector.map(([name, total]: [string, number]) => `${name}=${total}`);
  // @ts-expect-error map's argument is the stream's record type
  people.map((n: number) => n);
}
