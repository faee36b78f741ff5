import {
  SlidingEventTimeWindows,
  SlidingProcessingTimeWindows,
  TumblingEventTimeWindows,
  TumblingProcessingTimeWindows,
  type WindowAssigner,
} from '@mesoflow/dataflow-api';
import { ManualClock } from './clock';
import { runJobLocally } from './local/executor';
import { compileProgram, operatorIdNamed, settle } from './testing/programs';

interface Event {
  readonly user: string;
  readonly clicks: number;
  readonly time: number;
}

describe('event-time windows', () => {
  const events: Event[] = [
    { user: 'a', clicks: 1, time: 100 },
    { user: 'b', clicks: 2, time: 600 },
    { user: 'a', clicks: 3, time: 1100 },
    { user: 'a', clicks: 4, time: 1600 },
    // Out of order but within the bound: counted.
    { user: 'b', clicks: 5, time: 1450 },
    { user: 'a', clicks: 6, time: 2600 },
    // Behind the watermark (2600 - 200 - 1) for all its windows: dropped and counted.
    { user: 'a', clicks: 100, time: 300 },
  ];

  async function run(assigner: WindowAssigner, parallelism: number) {
    const program = await compileProgram((env) => {
      env
        .fromCollection(events)
        .assignTimestampsAndWatermarks({ timestamp: (e) => e.time, maxOutOfOrdernessMs: 200 })
        // One assigner, so which records are late does not depend on how subtasks interleave.
        .setParallelism(1)
        .keyBy((e) => e.user)
        .window(assigner)
        .apply((user, window, values: readonly Event[]) => [{ user, start: window.start, clicks: values.reduce((sum, e) => sum + e.clicks, 0) }])
        .collect();
    }, parallelism);
    const result = await runJobLocally(program.graph, program.functions);
    const sink = operatorIdNamed(program, 'Sink: Collect');
    const rows = [...(result.collected.get(sink) ?? [])] as { user: string; start: number; clicks: number }[];
    rows.sort((x, y) => x.start - y.start || x.user.localeCompare(y.user));
    return { rows, late: result.lateRecordsDropped.get(operatorIdNamed(program, 'Window Apply')) ?? 0 };
  }

  it.each([1, 2])('tumbling: one result per key and window, late records dropped and counted (parallelism %i)', async (p) => {
    expect(await run(TumblingEventTimeWindows.of(1000), p)).toEqual({
      rows: [
        { user: 'a', start: 0, clicks: 1 },
        { user: 'b', start: 0, clicks: 2 },
        { user: 'a', start: 1000, clicks: 7 },
        { user: 'b', start: 1000, clicks: 5 },
        { user: 'a', start: 2000, clicks: 6 },
      ],
      late: 1,
    });
  });

  it('sliding: a record counts in every window that contains it', async () => {
    const { rows, late } = await run(SlidingEventTimeWindows.of(1000, 500), 1);
    expect(rows).toEqual([
      { user: 'a', start: -500, clicks: 1 },
      { user: 'a', start: 0, clicks: 1 },
      { user: 'b', start: 0, clicks: 2 },
      { user: 'a', start: 500, clicks: 3 },
      { user: 'b', start: 500, clicks: 7 },
      { user: 'a', start: 1000, clicks: 7 },
      { user: 'b', start: 1000, clicks: 5 },
      { user: 'a', start: 1500, clicks: 4 },
      { user: 'a', start: 2000, clicks: 6 },
      { user: 'a', start: 2500, clicks: 6 },
    ]);
    expect(late).toBe(1);
  });

  it('window reduce and sum emit one aggregate per key and window', async () => {
    const program = await compileProgram((env) => {
      const keyed = env
        .fromCollection(events.slice(0, 6))
        .assignTimestampsAndWatermarks({ timestamp: (e) => e.time, maxOutOfOrdernessMs: 200 })
        // Keeps arrival order, so "the window's first record" is well defined.
        .setParallelism(1)
        .keyBy((e) => e.user);
      keyed.window(TumblingEventTimeWindows.of(1000)).sum('clicks').name('field sum').collect().name('sum out');
      keyed
        .window(TumblingEventTimeWindows.of(1000))
        .reduce((x, y) => ({ ...x, clicks: Math.max(x.clicks, y.clicks) }))
        .collect()
        .name('max out');
    }, 2);
    const result = await runJobLocally(program.graph, program.functions);
    const sums = [...(result.collected.get(operatorIdNamed(program, 'sum out')) ?? [])] as Event[];
    // The other fields come from the window's first record.
    expect(sums.sort((x, y) => x.time - y.time)).toEqual([
      { user: 'a', clicks: 1, time: 100 },
      { user: 'b', clicks: 2, time: 600 },
      { user: 'a', clicks: 7, time: 1100 },
      { user: 'b', clicks: 5, time: 1450 },
      { user: 'a', clicks: 6, time: 2600 },
    ]);
    const maxima = (result.collected.get(operatorIdNamed(program, 'max out')) ?? []) as Event[];
    expect(maxima.map((e) => e.clicks).sort((x, y) => x - y)).toEqual([1, 2, 4, 5, 6]);
  });
});

describe('processing-time windows (fake clock)', () => {
  async function runStepping(assigner: WindowAssigner, steps: number) {
    const clock = new ManualClock(0);
    const cancel = new AbortController();
    const program = await compileProgram((env) => {
      // 10 records per second: one at every 100 ms of the fake clock, values 0, 1, 2, ...
      env
        .generate((i) => i, { ratePerSecond: 10 })
        .keyBy((i) => i % 2)
        .window(assigner)
        .sum((i) => i)
        .collect();
    }, 1);
    const running = runJobLocally(program.graph, program.functions, { clock, signal: cancel.signal });
    const sink = operatorIdNamed(program, 'Sink: Collect');
    for (let step = 1; step <= steps; step++) {
      await settle();
      clock.advance(100);
      await settle();
    }
    cancel.abort();
    const result = await running;
    return { result, collected: result.collected.get(sink) ?? [] };
  }

  it('tumbling: fires each window on the clock at its end, until cancelled', async () => {
    const { result, collected } = await runStepping(TumblingProcessingTimeWindows.of(1000), 20);
    expect(result.status).toBe('CANCELED');
    // [0, 1000): records 0..9 at t = 0..900; [1000, 2000): records 10..19.
    expect(collected).toEqual([
      [0, 0 + 2 + 4 + 6 + 8],
      [1, 1 + 3 + 5 + 7 + 9],
      [0, 10 + 12 + 14 + 16 + 18],
      [1, 11 + 13 + 15 + 17 + 19],
    ]);
  });

  it('sliding: windows of 1 s every 500 ms', async () => {
    const { collected } = await runStepping(SlidingProcessingTimeWindows.of(1000, 500), 15);
    expect(collected).toEqual([
      // [-500, 500): records 0..4
      [0, 0 + 2 + 4],
      [1, 1 + 3],
      // [0, 1000): 0..9
      [0, 20],
      [1, 25],
      // [500, 1500): 5..14
      [1, 5 + 7 + 9 + 11 + 13],
      [0, 6 + 8 + 10 + 12 + 14],
    ]);
  });

  it('fires the windows still open when a bounded input ends', async () => {
    const clock = new ManualClock(5000);
    const program = await compileProgram((env) => {
      env.fromCollection([1, 2, 3]).keyBy(() => 'all').window(TumblingProcessingTimeWindows.of(1000)).sum((i) => i).collect();
    });
    const result = await runJobLocally(program.graph, program.functions, { clock });
    expect(result.collected.get(operatorIdNamed(program, 'Sink: Collect'))).toEqual([['all', 6]]);
    expect(clock.pendingTimers).toBe(0);
  });
});
