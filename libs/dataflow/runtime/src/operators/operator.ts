// The contract between chained operators: records, watermarks and the end of input are passed
// by direct calls, so a chain runs record by record within one subtask.
import type { FunctionRegistry, KeyValue, UserFunction } from '@mesoflow/dataflow-api';
import type { mesoflow } from '@mesoflow/proto';
import type { Clock } from '../clock';
import type { SubtaskCounters } from '../counters';
import { RuntimeError, RuntimeErrorCode, userFunctionFailed } from '../errors';
import type { StreamRecord } from '../records';

/** An operator's view of what comes after it in the chain (or the subtask's outputs). */
export interface Collector {
  collect(record: StreamRecord): void;
  watermark(timestamp: number): void;
  /** No more records or watermarks; called once. */
  end(): void;
}

/** One operator of a chain. */
export interface ChainOperator {
  /** `input` is 0, or for a join 0 (LEFT) / 1 (RIGHT). */
  processRecord(record: StreamRecord, input: number): void;
  processWatermark(timestamp: number): void;
  /** All input has been seen: flush what is held, then end the collector. */
  endInput(): void;
  /** Releases timers and files; called when the subtask stops for any reason. */
  dispose(): void;
}

/** What the host offers operators besides their function. */
export interface OperatorServices {
  readonly clock: Clock;
  /** One printed line (SINK_PRINT). */
  readonly stdout: (line: string) => void;
  /** One record of a SINK_COLLECT operator. */
  readonly collect: (operatorId: string, subtaskIndex: number, value: unknown) => void;
  /** Emit a watermark after every this many ms of processing time (0: whenever it advances). */
  readonly watermarkIntervalMs: number;
  /** The subtask's record counts: sinks count the records they write as sent on. */
  readonly counters: SubtaskCounters;
  /** Counts a record dropped by an event-time window because it came after its windows closed. */
  readonly lateRecord: (operatorId: string) => void;
  /** Fails the subtask from outside a record call (a processing-time timer). */
  readonly fail: (error: unknown) => void;
}

type FnOf<K extends UserFunction['kind']> = Extract<UserFunction, { readonly kind: K }>['fn'];

/** One operator's identity in one subtask, and its way to its user function. */
export class OperatorContext {
  readonly id: string;
  readonly name: string;

  constructor(
    readonly spec: mesoflow.dataflow.v1.OperatorSpec.$Properties,
    readonly subtaskIndex: number,
    readonly parallelism: number,
    readonly services: OperatorServices,
    private readonly functions: FunctionRegistry,
  ) {
    this.id = spec.id ?? '';
    this.name = spec.name ?? '';
  }

  /** The operator's user function; throws `INVALID_JOB` when the program did not register one of this kind. */
  userFunction<K extends UserFunction['kind']>(...kinds: K[]): FnOf<K> {
    const registered = this.functions.get(this.id);
    if (registered === undefined || !(kinds as string[]).includes(registered.kind)) {
      throw new RuntimeError(
        RuntimeErrorCode.INVALID_JOB,
        `Operator '${this.name}' (${this.id}) has no ${kinds.join('/')} function in the loaded program; ` +
          'was the graph compiled from a different program?',
      );
    }
    return registered.fn as FnOf<K>;
  }

  /** The selector of a SUM or WINDOW_SUM, when it has one rather than a field. */
  sumSelector(): ((value: unknown) => number) | undefined {
    const registered = this.functions.get(this.id);
    return registered?.kind === 'SUM' || registered?.kind === 'WINDOW_SUM' ? registered.fn : undefined;
  }

  /**
   * Runs user code (or code that trusts a record's shape) and turns what it throws into a
   * failure naming this operator, the subtask and the key. Only the user call goes inside:
   * emitting downstream stays outside, so a failure is blamed on the operator that failed.
   */
  invoke<T>(key: KeyValue | undefined, call: () => T): T {
    try {
      return call();
    } catch (cause) {
      throw this.failed(key, cause);
    }
  }

  /** `invoke` of a one-argument function without a closure: the per-record path of every operator. */
  apply<A, R>(key: KeyValue | undefined, fn: (arg: A) => R, arg: A): R {
    try {
      return fn(arg);
    } catch (cause) {
      throw this.failed(key, cause);
    }
  }

  /** `invoke` of an aggregation step, without a closure. */
  aggregate(key: KeyValue, aggregation: (state: unknown, value: unknown, key: KeyValue) => unknown, state: unknown, value: unknown): unknown {
    try {
      return aggregation(state, value, key);
    } catch (cause) {
      throw this.failed(key, cause);
    }
  }

  private failed(key: KeyValue | undefined, cause: unknown): RuntimeError {
    return userFunctionFailed({ operatorId: this.id, operatorName: this.name, subtaskIndex: this.subtaskIndex, parallelism: this.parallelism, key }, cause);
  }

  /** The key of a record reaching a keyed operator; its absence is a graph error, not a user one. */
  keyOf(record: StreamRecord): KeyValue {
    if (record.key === undefined) {
      throw new RuntimeError(
        RuntimeErrorCode.INVALID_JOB,
        `Operator '${this.name}' (${this.id}) is keyed but received a record without a key; it must follow a KEY_BY over a HASH edge`,
      );
    }
    return record.key;
  }
}

/** Base of operators that pass watermarks and the end of input straight on. */
export abstract class ForwardingOperator implements ChainOperator {
  constructor(
    protected readonly ctx: OperatorContext,
    protected readonly out: Collector,
  ) {}

  abstract processRecord(record: StreamRecord, input: number): void;

  processWatermark(timestamp: number): void {
    this.out.watermark(timestamp);
  }

  endInput(): void {
    this.out.end();
  }

  dispose(): void {
    // Nothing held.
  }
}

/** A collector that feeds `operator`'s input 0: how a chain links one operator to the next. */
export function feeding(operator: ChainOperator): Collector {
  return {
    collect: (record) => operator.processRecord(record, 0),
    watermark: (timestamp) => operator.processWatermark(timestamp),
    end: () => operator.endInput(),
  };
}
