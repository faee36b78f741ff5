/**
 * WindowJoin, Flink's streaming example: a stream of (name, grade) and a stream of (name, salary),
 * joined per name in tumbling event-time windows; each match is emitted as (name, grade, salary).
 *
 *   bin/mesoflow run examples/streaming/window-join.ts [--window-ms 2000] [--rate 3] [--count 60]
 *
 * The records are generated, as in Flink's example, but from their index rather than at random,
 * so that a run's output is fixed: record `i` of each stream has event time `i * 1000 / rate` ms.
 */
import { StreamExecutionEnvironment, TumblingEventTimeWindows } from '@mesoflow/dataflow-api';
import { parseArgs } from 'node:util';

export const NAMES = ['tom', 'jerry', 'alice', 'bob', 'john', 'grace'] as const;

/** A grade of someone, at an event time in ms. */
export interface Grade {
  name: string;
  grade: number;
  time: number;
}

/** A salary of someone, at an event time in ms. */
export interface Salary {
  name: string;
  salary: number;
  time: number;
}

/** Record `i` of the grades stream at `rate` records per second. */
export function grade(i: number, rate: number): Grade {
  return { name: NAMES[(i * 5) % NAMES.length] ?? 'tom', grade: (i % 5) + 1, time: Math.floor((i * 1000) / rate) };
}

/** Record `i` of the salaries stream at `rate` records per second. */
export function salary(i: number, rate: number): Salary {
  return { name: NAMES[(i * 7 + 3) % NAMES.length] ?? 'tom', salary: 1000 + ((i * 2654435761) % 9000), time: Math.floor((i * 1000) / rate) };
}

const { values } = parseArgs({
  options: { 'window-ms': { type: 'string', default: '2000' }, rate: { type: 'string', default: '3' }, count: { type: 'string', default: '60' } },
  strict: false,
});
const windowMs = Number(values['window-ms']);
const rate = Number(values.rate);
const count = Number(values.count);

const env = StreamExecutionEnvironment.getExecutionEnvironment();
const grades = env
  .generate((i) => grade(i, rate), { count })
  .name('Grades')
  .assignTimestampsAndWatermarks({ timestamp: (g: Grade) => g.time, maxOutOfOrdernessMs: 0 });
const salaries = env
  .generate((i) => salary(i, rate), { count })
  .name('Salaries')
  .assignTimestampsAndWatermarks({ timestamp: (s: Salary) => s.time, maxOutOfOrdernessMs: 0 });

grades
  .join(salaries)
  .where((g) => g.name)
  .equalTo((s) => s.name)
  .window(TumblingEventTimeWindows.of(windowMs))
  .apply((g, s): [string, number, number] => [g.name, g.grade, s.salary])
  .name('Join')
  .print();

env.execute('WindowJoin').catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
