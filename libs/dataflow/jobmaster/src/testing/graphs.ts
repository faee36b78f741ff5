// The job graphs the specs schedule, compiled by the real DataStream API (no bundle: tests).
import { compileJobGraph, StreamExecutionEnvironment, TumblingEventTimeWindows, type RestartStrategyOptions } from '@mesoflow/dataflow-api';
import type { mesoflow } from '@mesoflow/proto';

type JobGraph = mesoflow.dataflow.v1.JobGraph;

const NO_RESTARTS: RestartStrategyOptions = { attempts: 0, delayMs: 0 };

/** Flink's WordCount: collection source (1) → Flat Map -> Key By (p) → Sum -> Sink (p). */
export function wordCountGraph(parallelism: number, restart = NO_RESTARTS): JobGraph {
  const env = StreamExecutionEnvironment.getExecutionEnvironment().setParallelism(parallelism).setRestartStrategy(restart);
  env
    .fromCollection(['to be or not to be'])
    .flatMap((line: string) => line.split(' ').map((word): [string, number] => [word, 1]))
    .keyBy(([word]) => word)
    .sum(1)
    .collect();
  return compileJobGraph(env, 'WordCount');
}

/** Flink's WindowJoin: two sources with timestamps (1 each) joined by name in a window (p). */
export function windowJoinGraph(parallelism: number): JobGraph {
  const env = StreamExecutionEnvironment.getExecutionEnvironment().setParallelism(parallelism);
  const grades = env.fromCollection([{ name: 'tom', grade: 1, time: 100 }]).assignTimestampsAndWatermarks({ timestamp: (g) => g.time, maxOutOfOrdernessMs: 100 });
  const salaries = env.fromCollection([{ name: 'tom', salary: 1000, time: 200 }]).assignTimestampsAndWatermarks({ timestamp: (s) => s.time, maxOutOfOrdernessMs: 100 });
  grades
    .join(salaries)
    .where((g) => g.name)
    .equalTo((s) => s.name)
    .window(TumblingEventTimeWindows.of(1000))
    .apply((g, s) => ({ name: g.name, grade: g.grade, salary: s.salary }))
    .collect();
  return compileJobGraph(env, 'WindowJoin');
}
