// A bounded job that runs long enough to be interrupted: 200,000 generated readings
// (sensor, value, time) of 10 sensors at 40,000 per second, summed per sensor in tumbling
// event-time windows of 10,000 ms (a reading's index is its time). Every window's sums are
// collected; a run that restarts must collect exactly what an undisturbed run collects.
import { StreamExecutionEnvironment, TumblingEventTimeWindows } from '@mesoflow/dataflow-api';
import { READINGS, READINGS_PER_SECOND, reading, WINDOW_MS } from './window-sums-data';

const env = StreamExecutionEnvironment.getExecutionEnvironment();
env.setRestartStrategy({ attempts: 3, delayMs: 500 });
env
  .generate((i): [string, number, number] => reading(i), { count: READINGS, ratePerSecond: READINGS_PER_SECOND })
  .name('Readings')
  .assignTimestampsAndWatermarks({ timestamp: ([, , time]) => time, maxOutOfOrdernessMs: 0 })
  .keyBy(([sensor]) => sensor)
  .window(TumblingEventTimeWindows.of(WINDOW_MS))
  .sum(1)
  .name('Window Sums')
  .collect();

env.execute('WindowSums').catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
