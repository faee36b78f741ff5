import { TumblingEventTimeWindows } from '@mesoflow/dataflow-api';
import { waitFor } from '@mesoflow/testing';
import { RuntimeErrorCode, type RuntimeError } from './errors';
import { runJobLocally } from './local/executor';
import { ManualClock } from './clock';
import { compileProgram, operatorIdNamed, settle } from './testing/programs';

async function rejection(promise: Promise<unknown>): Promise<RuntimeError> {
  try {
    await promise;
  } catch (error) {
    return error as RuntimeError;
  }
  throw new Error('expected the job to fail');
}

describe('failures', () => {
  it('names the operator, the subtask and the key, with the user error as cause', async () => {
    // A reduce calls its function from a key's second record on, so the key comes twice.
    const twice = await compileProgram((env) => {
      env
        .fromCollection(['boom', 'boom'])
        .keyBy((word) => word)
        .reduce((): string => {
          throw new Error('bad word');
        })
        .name('Failing Reduce')
        .collect();
    }, 2);
    const error = await rejection(runJobLocally(twice.graph, twice.functions));
    const id = operatorIdNamed(twice, 'Failing Reduce');
    expect(error.code).toBe(RuntimeErrorCode.USER_FUNCTION_FAILED);
    expect(error.message).toContain(`Operator 'Failing Reduce' (${id})`);
    expect(error.message).toContain('on key "boom"');
    expect(error.message).toMatch(/subtask [01] \([12]\/2\)/);
    expect(error.location).toEqual(expect.objectContaining({ operatorId: id, key: 'boom', parallelism: 2 }));
    expect((error.cause as Error).message).toBe('bad word');
  });

  it('names the key of a window function that fails when its window fires', async () => {
    const program = await compileProgram((env) => {
      env
        .fromCollection([{ user: 'ann', time: 5 }])
        .assignTimestampsAndWatermarks({ timestamp: (e) => e.time })
        .keyBy((e) => e.user)
        .window(TumblingEventTimeWindows.of(10))
        .apply((): number[] => {
          throw new RangeError('window broke');
        })
        .collect();
    });
    const error = await rejection(runJobLocally(program.graph, program.functions));
    expect(error.message).toMatch(/^Operator 'Window Apply' \(window-apply-[0-9a-f]+\) failed in subtask 0 \(1\/1\) on key "ann": window broke$/);
    expect(error.cause).toBeInstanceOf(RangeError);
  });

  it('has no key outside a keyed stream', async () => {
    const program = await compileProgram((env) => {
      env
        .fromCollection([1, 2, 3])
        .map((n) => {
          if (n === 2) throw new TypeError('two');
          return n;
        })
        .collect();
    });
    const error = await rejection(runJobLocally(program.graph, program.functions));
    expect(error.message).toMatch(/^Operator 'Map' \(map-[0-9a-f]+\) failed in subtask 0 \(1\/1\): two$/);
    expect(error.location?.key).toBeUndefined();
    expect(error.cause).toBeInstanceOf(TypeError);
  });
});

describe('backpressure', () => {
  it('keeps every channel queue bounded when a consumer is slower than its producers', async () => {
    // Four producers feed one consumer, which takes one element per turn while each producer
    // makes one: with unbounded queues the longest grows past 4,000 elements.
    const program = await compileProgram((env) => {
      env
        .generate((i) => i, { count: 20_000 })
        .setParallelism(4)
        .map((i) => i * 2)
        .setParallelism(1)
        .collect()
        .setParallelism(1);
    }, 4);
    const capacity = 8;
    const result = await runJobLocally(program.graph, program.functions, { channelCapacity: capacity });
    const values = result.collected.get(operatorIdNamed(program, 'Sink: Collect')) ?? [];
    expect(values).toHaveLength(20_000);
    expect(new Set(values).size).toBe(20_000);
    // One element over capacity at most: a producer checks for room after each record.
    expect(result.maxQueueLength).toBeLessThanOrEqual(capacity + 1);
  });
});

describe('generate', () => {
  it('paces a bounded generator at its rate and finishes after count records', async () => {
    const made: number[] = [];
    const program = await compileProgram((env) => {
      env
        .generate(
          (i) => {
            made.push(i);
            return i;
          },
          { count: 10, ratePerSecond: 10 },
        )
        .setParallelism(2)
        .collect();
    }, 2);
    const clock = new ManualClock(0);
    const running = runJobLocally(program.graph, program.functions, { clock });
    // Each of the two subtasks makes one record every 200 ms: two per 200 ms over both.
    await settle();
    expect(made.sort((a, b) => a - b)).toEqual([0, 1]);
    clock.advance(199);
    await settle();
    expect(made).toHaveLength(2);
    clock.advance(1);
    await settle();
    expect(made).toHaveLength(4);
    clock.advance(2000);
    const result = await running;
    expect(result.status).toBe('FINISHED');
    expect(made.sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect((result.collected.get(operatorIdNamed(program, 'Sink: Collect')) ?? []).length).toBe(10);
  });
});

describe('cancel', () => {
  it('stops an unbounded generate job and returns what was collected', async () => {
    let made = 0;
    const program = await compileProgram((env) => {
      env
        .generate(
          (i) => {
            made++;
            return i;
          },
          { ratePerSecond: 2000 },
        )
        .map((i) => i + 1)
        .collect();
    }, 2);
    const cancel = new AbortController();
    const running = runJobLocally(program.graph, program.functions, { signal: cancel.signal });
    await waitFor(() => made >= 50, { timeoutMs: 5000, description: 'records generated' });
    cancel.abort();
    const result = await running;
    expect(result.status).toBe('CANCELED');
    const after = made;
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(made).toBe(after);
    expect((result.collected.get(operatorIdNamed(program, 'Sink: Collect')) ?? []).length).toBeGreaterThan(0);
  });
});
