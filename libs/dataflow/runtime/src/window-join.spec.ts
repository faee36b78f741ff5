import { TumblingEventTimeWindows, type StreamExecutionEnvironment } from '@mesoflow/dataflow-api';
import { runJobLocally } from './local/executor';
import { compileProgram, operatorIdNamed } from './testing/programs';

interface Grade {
  readonly name: string;
  readonly grade: number;
  readonly time: number;
}
interface Salary {
  readonly name: string;
  readonly salary: number;
  readonly time: number;
}

const GRADES: Grade[] = [
  { name: 'tom', grade: 1, time: 100 },
  { name: 'jerry', grade: 2, time: 300 },
  { name: 'tom', grade: 3, time: 1200 },
  { name: 'alice', grade: 4, time: 1500 },
  { name: 'tom', grade: 5, time: 2100 },
];
const SALARIES: Salary[] = [
  { name: 'tom', salary: 1000, time: 200 },
  { name: 'tom', salary: 1001, time: 900 },
  { name: 'jerry', salary: 1002, time: 1100 },
  { name: 'alice', salary: 1003, time: 1999 },
  { name: 'tom', salary: 1004, time: 2500 },
];

/** Flink's WindowJoin on fixed input: grades and salaries per name in 1 s event-time windows. */
function windowJoin(env: StreamExecutionEnvironment): void {
  const grades = env.fromCollection(GRADES).assignTimestampsAndWatermarks({ timestamp: (g) => g.time, maxOutOfOrdernessMs: 100 });
  const salaries = env.fromCollection(SALARIES).assignTimestampsAndWatermarks({ timestamp: (s) => s.time, maxOutOfOrdernessMs: 100 });
  grades
    .join(salaries)
    .where((g) => g.name)
    .equalTo((s) => s.name)
    .window(TumblingEventTimeWindows.of(1000))
    .apply((g, s) => ({ name: g.name, grade: g.grade, salary: s.salary }))
    .collect();
}

describe('WindowJoin', () => {
  it.each([1, 2])('joins equal names within the same window (parallelism %i)', async (parallelism) => {
    const program = await compileProgram(windowJoin, parallelism);
    const result = await runJobLocally(program.graph, program.functions);
    expect(result.status).toBe('FINISHED');
    const joined = [...(result.collected.get(operatorIdNamed(program, 'Sink: Collect')) ?? [])];
    const order = (x: unknown): string => JSON.stringify(x);
    expect(joined.sort((a, b) => order(a).localeCompare(order(b)))).toEqual([
      { name: 'alice', grade: 4, salary: 1003 },
      { name: 'tom', grade: 1, salary: 1000 },
      { name: 'tom', grade: 1, salary: 1001 },
      { name: 'tom', grade: 5, salary: 1004 },
    ]);
    expect([...result.lateRecordsDropped.values()].reduce((a, b) => a + b, 0)).toBe(0);
  });
});
