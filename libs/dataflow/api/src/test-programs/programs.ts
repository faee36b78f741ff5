// Programs the specs compile: WordCount and WindowJoin as in Flink's examples, and variants
// of WordCount for the operator id tests. Each takes a fresh environment.
import type { StreamExecutionEnvironment } from '../environment';
import { TumblingEventTimeWindows } from '../windows';

/** Sample lines for WordCount. */
export const LINES = ['To be, or not to be,', 'that is the question:'];

/** How a WordCount variant differs from the plain one. */
export interface WordCountVariant {
  /** Insert a filter between the flat map and keyBy. */
  readonly filterShortWords?: boolean;
  /** Give the sum a uid. */
  readonly sumUid?: string;
  /** Rename the flat map. */
  readonly flatMapName?: string;
  /** Set the flat map's parallelism. */
  readonly flatMapParallelism?: number;
}

/** Flink's WordCount: lines → words → (word, 1) → keyBy word → sum → print. */
export function wordCount(env: StreamExecutionEnvironment, variant: WordCountVariant = {}): void {
  env.setParallelism(4);
  const words = env
    .fromCollection(LINES)
    .flatMap((line: string) =>
      line
        .toLowerCase()
        .split(/\W+/)
        .filter((word) => word !== '')
        .map((word): [string, number] => [word, 1]),
    );
  if (variant.flatMapName !== undefined) words.name(variant.flatMapName);
  if (variant.flatMapParallelism !== undefined) words.setParallelism(variant.flatMapParallelism);
  const counted = (variant.filterShortWords ? words.filter(([word]) => word.length > 2) : words).keyBy(([word]) => word).sum(1);
  if (variant.sumUid !== undefined) counted.uid(variant.sumUid);
  counted.print();
}

/** A grade of a person at a time. */
export interface Grade {
  readonly name: string;
  readonly grade: number;
  readonly time: number;
}

/** A salary of a person at a time. */
export interface Salary {
  readonly name: string;
  readonly salary: number;
  readonly time: number;
}

const NAMES = ['tom', 'jerry', 'alice', 'bob', 'john', 'grace'];

/** Flink's WindowJoin: grades and salaries joined per name in event-time windows. */
export function windowJoin(env: StreamExecutionEnvironment, windowSizeMs = 2000, rate = 3): void {
  env.setParallelism(2);
  const grades = env
    .generate((i): Grade => ({ name: NAMES[i % NAMES.length], grade: (i % 5) + 1, time: i * 100 }), { ratePerSecond: rate })
    .name('Grades')
    .assignTimestampsAndWatermarks({ timestamp: (g) => g.time, maxOutOfOrdernessMs: 500 });
  const salaries = env
    .generate((i): Salary => ({ name: NAMES[(i * 7) % NAMES.length], salary: 1000 + i, time: i * 100 }), { ratePerSecond: rate })
    .name('Salaries')
    .assignTimestampsAndWatermarks({ timestamp: (s) => s.time, maxOutOfOrdernessMs: 500 });
  grades
    .join(salaries)
    .where((g) => g.name)
    .equalTo((s) => s.name)
    .window(TumblingEventTimeWindows.of(windowSizeMs))
    .apply((g, s) => ({ name: g.name, grade: g.grade, salary: s.salary }))
    .print()
    .setParallelism(1);
}
