// SOURCE_COLLECTION, SOURCE_TEXT_FILE and SOURCE_GENERATE. A source pushes records into its
// chain and waits whenever an output is full, so backpressure reaches the source.
import { mesoflow } from '@mesoflow/proto';
import { sleep } from '../clock';
import { RuntimeError, RuntimeErrorCode } from '../errors';
import type { OperatorContext } from './operator';
import { readTextFileSplit } from './text-file-split';

const { OperatorKind } = mesoflow.dataflow.v1;

/**
 * How a source hands a value to its chain: undefined while there is room for more, else a
 * promise that resolves when there is. Sources await only that promise, so a record costs no
 * tick of the event loop unless the output is full.
 */
export type Emit = (value: unknown) => Promise<void> | undefined;

/** Runs one subtask's share of a source until it is exhausted or `signal` aborts. */
export type SourceFunction = (emit: Emit, signal: AbortSignal) => Promise<void>;

/** The source function of a source operator. */
export function sourceFunction(ctx: OperatorContext): SourceFunction {
  const { subtaskIndex: index, parallelism } = ctx;
  // Chains are built from the graph, where only the head can be a source: the other kinds
  // never get here, hence one default for all of them.
  // eslint-disable-next-line @typescript-eslint/switch-exhaustiveness-check
  switch (ctx.spec.kind) {
    case OperatorKind.SOURCE_COLLECTION:
      return async (emit, signal) => {
        const items = JSON.parse(ctx.spec.collection?.items_json ?? '[]') as unknown;
        if (!Array.isArray(items)) throw new RuntimeError(RuntimeErrorCode.INVALID_JOB, `Operator '${ctx.name}' (${ctx.id}) has items that are not a JSON array`);
        // Parallelism 1 (the API's) reads everything; a parallel one takes every n-th item.
        for (let i = index; i < items.length && !signal.aborted; i += parallelism) await emit(items[i]);
      };
    case OperatorKind.SOURCE_TEXT_FILE:
      return (emit, signal) => readTextFileSplit(ctx.spec.text_file?.path ?? '', index, parallelism, emit, signal);
    case OperatorKind.SOURCE_GENERATE:
      return generateSource(ctx);
    default:
      throw new RuntimeError(RuntimeErrorCode.INVALID_JOB, `Operator '${ctx.name}' (${ctx.id}) is not a source`);
  }
}

// Subtask i makes sequence numbers i, i + n, i + 2n, ...: bounded ones up to count - 1, unbounded
// ones until cancelled; paced at rate / n per second on the host clock when a rate is set.
function generateSource(ctx: OperatorContext): SourceFunction {
  const fn = ctx.userFunction('SOURCE_GENERATE');
  const { subtaskIndex: index, parallelism } = ctx;
  const spec = ctx.spec.generate;
  // Only a bounded one has a count (a oneof member: null when unset, however the spec was built).
  const unbounded = spec?.count === undefined || spec.count === null;
  const end = unbounded ? Infinity : Number(spec.count);
  const rate = Number((unbounded ? spec?.rate_per_second : spec.count_rate_per_second) ?? 0);
  const make = (n: number): unknown => ctx.apply(undefined, fn, n);
  if (!(rate > 0)) {
    return async (emit, signal) => {
      for (let n = index; n < end && !signal.aborted; n += parallelism) {
        const pending = emit(make(n));
        if (pending !== undefined) await pending;
      }
    };
  }
  const clock = ctx.services.clock;
  const intervalMs = (1000 * parallelism) / rate;
  return async (emit, signal) => {
    const start = clock.now();
    let made = 0;
    const next = (): number => index + made * parallelism;
    while (!signal.aborted && next() < end) {
      // Catch up on everything due by now, then sleep until the next one is.
      while (!signal.aborted && next() < end && start + made * intervalMs <= clock.now()) await emit(make(index + made++ * parallelism));
      if (!signal.aborted && next() < end) await sleep(clock, start + made * intervalMs - clock.now(), signal);
    }
  };
}
