// Builds runnable jobs for the specs the way a TaskManager gets them: the program runs in
// runtime mode and hands over the graph and the user functions by operator id.
import { loadRuntimeProgram, StreamExecutionEnvironment, type RuntimeProgram } from '@mesoflow/dataflow-api';

/** The graph and functions of the program `build` declares, with `parallelism` as the default. */
export function compileProgram(build: (env: StreamExecutionEnvironment) => void, parallelism = 1): Promise<RuntimeProgram> {
  return loadRuntimeProgram(
    () => {
      const env = StreamExecutionEnvironment.getExecutionEnvironment();
      build(env);
      return env.execute('test job');
    },
    { defaultParallelism: parallelism },
  );
}

/** The id of the only operator whose name is `name`. */
export function operatorIdNamed(program: RuntimeProgram, name: string): string {
  const ids = program.graph.vertices.flatMap((v) => v.operators).filter((op) => op?.name === name).map((op) => op?.id ?? '');
  if (ids.length !== 1) throw new Error(`Expected one operator named '${name}', found ${ids.length}`);
  return ids[0];
}

/** Lets in-flight records cross the local channels. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 50; i++) await new Promise((resolve) => setImmediate(resolve));
}
