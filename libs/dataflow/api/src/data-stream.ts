// The DataStream API: each call that makes an operator adds one node to the environment's
// StreamGraphBuilder; nothing runs here. Functions are kept by reference so that a TaskManager
// running the same program gets them back by operator id (see execution-context.ts).
import { mesoflow } from '@mesoflow/proto';
import { DataflowError, DataflowErrorCode } from './errors';
import type { KeyValue, UserFunction } from './functions';
import { checkParallelism, type InputMode, type NodeParameters, type StreamGraphBuilder, type StreamNode } from './transformation';
import type { TimeWindow, WindowAssigner } from './windows';

const { OperatorKind, JoinSide, TimeKind } = mesoflow.dataflow.v1;

/**
 * The fields of `T` that hold numbers, for `sum(field)`: property names of an object type, or
 * the indexes of a tuple type (`[string, number]` → `1`).
 */
export type NumericField<T> = T extends readonly unknown[]
  ? { [I in keyof T]: T[I] extends number ? (I extends `${infer N extends number}` ? N : never) : never }[number]
  : { [P in keyof T]-?: T[P] extends number ? P : never }[keyof T] & string;

/** How `assignTimestampsAndWatermarks` finds event time and how late records may come. */
export interface WatermarkStrategy<T> {
  /** The event time of a record, in ms since the epoch. */
  readonly timestamp: (value: T) => number;
  /** How far behind the highest timestamp seen a record may arrive and still count. @default 0 */
  readonly maxOutOfOrdernessMs?: number;
}

/** A window function: all records of one key in one window, emitting any number of results. */
export type WindowFunction<T, K extends KeyValue, R> = (key: K, window: TimeWindow, values: readonly T[]) => Iterable<R>;

// The runtime sees functions with erased types (functions.ts); the typed signatures are the
// program's promise about what flows between its operators.
function erase<F extends UserFunction>(kind: F['kind'], fn: unknown): F {
  if (typeof fn !== 'function') {
    throw new DataflowError(
      DataflowErrorCode.INVALID_ARGUMENT,
      `The function of a ${kind} operator must be a function, got ${typeof fn}`,
    );
  }
  return { kind, fn } as F;
}

function hasTimestamps(node: StreamNode): boolean {
  if (node.kind === OperatorKind.TIMESTAMPS_WATERMARKS) return true;
  return node.inputs.some((input) => hasTimestamps(input.node));
}

function requireTimestampsFor(window: WindowAssigner, inputs: readonly StreamNode[], what: string): void {
  if (window.timeKind !== TimeKind.EVENT_TIME) return;
  for (const input of inputs) {
    if (!hasTimestamps(input)) {
      throw new DataflowError(
        DataflowErrorCode.INVALID_PROGRAM,
        `${what} uses an event-time window, but its input '${input.name}' has no event timestamps; ` +
          'call assignTimestampsAndWatermarks(...) upstream or use a processing-time window',
      );
    }
  }
}

function sumParameters(target: unknown): NodeParameters['sum'] {
  if (typeof target === 'function') return { selector: true };
  if (typeof target === 'string' || typeof target === 'number') return { field: String(target) };
  throw new DataflowError(
    DataflowErrorCode.INVALID_ARGUMENT,
    `sum() takes a field name, a tuple index or a selector function, got ${typeof target}`,
  );
}

/** A stream of records of type `T`. */
export class DataStream<T> {
  /** @internal Made by the environment and by operators; not for programs. */
  constructor(
    protected readonly builder: StreamGraphBuilder,
    protected readonly node: StreamNode,
    private readonly mode: InputMode = 'AUTO',
  ) {}

  /** One output record per input record. */
  map<R>(fn: (value: T) => R): SingleOutputStreamOperator<R> {
    return this.then<R>(OperatorKind.MAP, 'Map', erase('MAP', fn));
  }

  /** Any number of output records per input record. */
  flatMap<R>(fn: (value: T) => Iterable<R>): SingleOutputStreamOperator<R> {
    return this.then<R>(OperatorKind.FLAT_MAP, 'Flat Map', erase('FLAT_MAP', fn));
  }

  /** The records for which `fn` is true. */
  filter(fn: (value: T) => boolean): SingleOutputStreamOperator<T> {
    return this.then<T>(OperatorKind.FILTER, 'Filter', erase('FILTER', fn));
  }

  /** Partitions by key: records with equal keys go to the same subtask of the next operator. */
  keyBy<K extends KeyValue>(selector: (value: T) => K): KeyedStream<T, K> {
    const keyBy = this.builder.add({
      kind: OperatorKind.KEY_BY,
      name: 'Key By',
      inputs: [{ node: this.node, mode: this.mode, side: JoinSide.JOIN_SIDE_UNSPECIFIED }],
      fn: erase('KEY_BY', selector),
      parameters: {},
    });
    return new KeyedStream<T, K>(this.builder, keyBy);
  }

  /** Gives records event timestamps and emits watermarks that allow `maxOutOfOrdernessMs` lateness. */
  assignTimestampsAndWatermarks(strategy: WatermarkStrategy<T>): SingleOutputStreamOperator<T> {
    const lateness = strategy.maxOutOfOrdernessMs ?? 0;
    if (!Number.isSafeInteger(lateness) || lateness < 0) {
      throw new DataflowError(
        DataflowErrorCode.INVALID_ARGUMENT,
        `maxOutOfOrdernessMs must be a whole number of milliseconds >= 0, got ${String(lateness)}`,
      );
    }
    return this.then<T>(
      OperatorKind.TIMESTAMPS_WATERMARKS,
      'Timestamps/Watermarks',
      erase('TIMESTAMPS_WATERMARKS', strategy.timestamp),
      { maxOutOfOrdernessMs: lateness },
    );
  }

  /** Starts a windowed join with `other`: `.where(key).equalTo(key).window(assigner).apply(fn)`. */
  join<R>(other: DataStream<R>): JoinedStreams<T, R> {
    if (other.builder !== this.builder) {
      throw new DataflowError(
        DataflowErrorCode.INVALID_PROGRAM,
        `Cannot join '${this.node.name}' with '${other.node.name}': they belong to different environments`,
      );
    }
    return new JoinedStreams<T, R>(this, other);
  }

  /** Sends records round robin to the next operator's subtasks (breaks the chain). */
  rebalance(): DataStream<T> {
    return new DataStream<T>(this.builder, this.node, 'REBALANCE');
  }

  /** Sends every record to every subtask of the next operator. */
  broadcast(): DataStream<T> {
    return new DataStream<T>(this.builder, this.node, 'BROADCAST');
  }

  /** Prints every record on the TaskManager's standard output. */
  print(): DataStreamSink<T> {
    return new DataStreamSink<T>(this.sink(OperatorKind.SINK_PRINT, 'Sink: Print to Std. Out', {}));
  }

  /** Writes every record as a line of text to `path`. */
  writeAsText(path: string): DataStreamSink<T> {
    if (typeof path !== 'string' || path.trim() === '') {
      throw new DataflowError(DataflowErrorCode.INVALID_ARGUMENT, `writeAsText needs a file path, got '${String(path)}'`);
    }
    return new DataStreamSink<T>(this.sink(OperatorKind.SINK_TEXT_FILE, 'Sink: Text File', { path }));
  }

  /** Sends every record back to the client; read them with `values()` after `execute()` returns. */
  collect(): CollectSink<T> {
    const sink = new CollectSink<T>(this.sink(OperatorKind.SINK_COLLECT, 'Sink: Collect', {}));
    this.builder.collectors.push({ node: sink.sinkNode, deliver: (values) => sink.deliver(values) });
    return sink;
  }

  /** @internal The node and how it is read, for the join builder. */
  input(side: mesoflow.dataflow.v1.JoinSide): { node: StreamNode; mode: InputMode; side: mesoflow.dataflow.v1.JoinSide } {
    return { node: this.node, mode: this.mode, side };
  }

  /** @internal */
  get graphBuilder(): StreamGraphBuilder {
    return this.builder;
  }

  private sink(kind: mesoflow.dataflow.v1.OperatorKind, name: string, parameters: NodeParameters): StreamNode {
    return this.builder.add({
      kind,
      name,
      inputs: [{ node: this.node, mode: this.mode, side: JoinSide.JOIN_SIDE_UNSPECIFIED }],
      fn: undefined,
      parameters,
    });
  }

  private then<R>(
    kind: mesoflow.dataflow.v1.OperatorKind,
    name: string,
    fn: UserFunction,
    parameters: NodeParameters = {},
  ): SingleOutputStreamOperator<R> {
    const node = this.builder.add({
      kind,
      name,
      inputs: [{ node: this.node, mode: this.mode, side: JoinSide.JOIN_SIDE_UNSPECIFIED }],
      fn,
      parameters,
    });
    return new SingleOutputStreamOperator<R>(this.builder, node);
  }
}

// Settings of one operator (name, uid, parallelism), shared by operators and sinks.
function setUid(node: StreamNode, uid: string): void {
  // The uid becomes the operator id in the graph and in the function registry, so it has to
  // survive file names, URLs and logs unchanged.
  if (typeof uid !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/.test(uid)) {
    throw new DataflowError(
      DataflowErrorCode.INVALID_ARGUMENT,
      `uid of '${node.name}' must be 1 to 128 characters of letters, digits and '._:-' starting with a letter or digit, got '${String(uid)}'`,
    );
  }
  node.uid = uid;
}

function setName(node: StreamNode, name: string): void {
  if (typeof name !== 'string' || name.trim() === '') {
    throw new DataflowError(DataflowErrorCode.INVALID_ARGUMENT, `name of operator '${node.name}' must not be empty`);
  }
  node.name = name;
}

function setParallelism(node: StreamNode, parallelism: number): void {
  node.parallelism = checkParallelism(
    node.maxParallelism === 1 ? `Parallelism of '${node.name}' (a non-parallel operator)` : `Parallelism of '${node.name}'`,
    parallelism,
    node.maxParallelism,
  );
}

/** The output of one operator, whose name, uid and parallelism can be set. */
export class SingleOutputStreamOperator<T> extends DataStream<T> {
  /** The name shown in logs and the web UI (not part of the operator id). */
  name(name: string): this {
    setName(this.node, name);
    return this;
  }

  /** A stable id for this operator, kept when the program around it changes. Unique per job. */
  uid(uid: string): this {
    setUid(this.node, uid);
    return this;
  }

  /** This operator's parallelism (default: the environment's). */
  setParallelism(parallelism: number): this {
    setParallelism(this.node, parallelism);
    return this;
  }
}

/** A sink: the end of a stream. */
export class DataStreamSink<T> {
  /** @internal */
  constructor(protected readonly node: StreamNode) {}

  /** The name shown in logs and the web UI. */
  name(name: string): this {
    setName(this.node, name);
    return this;
  }

  /** A stable id for this sink. Unique per job. */
  uid(uid: string): this {
    setUid(this.node, uid);
    return this;
  }

  /** This sink's parallelism (default: the environment's). */
  setParallelism(parallelism: number): this {
    setParallelism(this.node, parallelism);
    return this;
  }

  /** Phantom use of T, so sinks of different types are different types. */
  protected readonly recordType?: (value: T) => void;
}

/** A sink that sends records back to the client. */
export class CollectSink<T> extends DataStreamSink<T> {
  private collected: readonly T[] | undefined;

  /**
   * The records the job sent back, once `await env.execute()` has returned in an attached run.
   * Throws `ILLEGAL_STATE` before that.
   */
  values(): readonly T[] {
    if (this.collected === undefined) {
      throw new DataflowError(
        DataflowErrorCode.ILLEGAL_STATE,
        `Collected values of '${this.node.name}' are not available: await env.execute() in an attached run first`,
      );
    }
    return this.collected;
  }

  /** @internal Called by the environment with what the host returned for this sink. */
  deliver(values: readonly unknown[]): void {
    // The host got these records from this sink's operator, so they are the stream's records.
    this.collected = values as readonly T[];
  }

  /** @internal */
  get sinkNode(): StreamNode {
    return this.node;
  }
}

/**
 * What a keyed stream and a windowed one both aggregate: `reduce` and `sum`, running per key or
 * per key and window. Subclasses name the operator kinds and add their parameters.
 */
abstract class KeyedAggregations<T, K extends KeyValue> {
  protected constructor(
    protected readonly builder: StreamGraphBuilder,
    protected readonly keyBy: StreamNode,
    private readonly kinds: {
      readonly reduce: { kind: 'REDUCE' | 'WINDOW_REDUCE'; name: string };
      readonly sum: { kind: 'SUM' | 'WINDOW_SUM'; name: string };
    },
  ) {}

  /** Reduces each key's records (per window, on a windowed stream). */
  reduce(fn: (accumulator: T, value: T) => T): SingleOutputStreamOperator<T> {
    const { kind, name } = this.kinds.reduce;
    return this.then<T>(OperatorKind[kind], name, erase(kind, fn), {});
  }

  /** The sum of a numeric field per key (and window); the other fields come from the key's first record. */
  sum(field: NumericField<T>): SingleOutputStreamOperator<T>;
  /** The sum of `selector`'s value per key (and window), emitted as `[key, sum]`. */
  sum(selector: (value: T) => number): SingleOutputStreamOperator<[K, number]>;
  sum(target: NumericField<T> | ((value: T) => number)): SingleOutputStreamOperator<T> | SingleOutputStreamOperator<[K, number]> {
    const { kind, name } = this.kinds.sum;
    const fn = typeof target === 'function' ? erase(kind, target) : undefined;
    return this.then<T>(OperatorKind[kind], name, fn, { sum: sumParameters(target) });
  }

  /** Adds an operator reading this stream by key. */
  protected then<R>(
    kind: mesoflow.dataflow.v1.OperatorKind,
    name: string,
    fn: UserFunction | undefined,
    parameters: NodeParameters,
  ): SingleOutputStreamOperator<R> {
    const node = this.builder.add({
      kind,
      name,
      inputs: [{ node: this.keyBy, mode: 'HASH', side: JoinSide.JOIN_SIDE_UNSPECIFIED }],
      fn,
      parameters: { ...parameters, ...this.extraParameters() },
    });
    return new SingleOutputStreamOperator<R>(this.builder, node);
  }

  /** Parameters every operator of this stream carries. */
  protected abstract extraParameters(): NodeParameters;
}

/**
 * A stream partitioned by a key of type `K`. `reduce` and `sum` run per key and emit the new
 * aggregate for every record.
 */
export class KeyedStream<T, K extends KeyValue> extends KeyedAggregations<T, K> {
  /** @internal */
  constructor(builder: StreamGraphBuilder, keyBy: StreamNode) {
    super(builder, keyBy, { reduce: { kind: 'REDUCE', name: 'Keyed Reduce' }, sum: { kind: 'SUM', name: 'Keyed Sum' } });
  }

  /** Groups each key's records into time windows. */
  window(assigner: WindowAssigner): WindowedStream<T, K> {
    requireTimestampsFor(assigner, [this.keyBy], 'A keyed window');
    return new WindowedStream<T, K>(this.builder, this.keyBy, assigner);
  }

  protected extraParameters(): NodeParameters {
    return {};
  }
}

/** A keyed stream grouped into time windows: aggregates are emitted when a window ends. */
export class WindowedStream<T, K extends KeyValue> extends KeyedAggregations<T, K> {
  /** @internal */
  constructor(
    builder: StreamGraphBuilder,
    keyBy: StreamNode,
    private readonly assigner: WindowAssigner,
  ) {
    super(builder, keyBy, { reduce: { kind: 'WINDOW_REDUCE', name: 'Window Reduce' }, sum: { kind: 'WINDOW_SUM', name: 'Window Sum' } });
  }

  /** Calls `fn` with all records of a key in a window when the window ends. */
  apply<R>(fn: WindowFunction<T, K, R>): SingleOutputStreamOperator<R> {
    return this.then<R>(OperatorKind.WINDOW_APPLY, 'Window Apply', erase('WINDOW_APPLY', fn), {});
  }

  protected extraParameters(): NodeParameters {
    return { window: this.assigner };
  }
}

/** `a.join(b)`: name the left key with `where`. */
export class JoinedStreams<L, R> {
  /** @internal */
  constructor(
    private readonly left: DataStream<L>,
    private readonly right: DataStream<R>,
  ) {}

  /** The key of a left record. */
  where<K extends KeyValue>(leftKey: (left: L) => K): JoinWhere<L, R, K> {
    const builder = this.left.graphBuilder;
    const keyBy = builder.add({
      kind: OperatorKind.KEY_BY,
      name: 'Key By',
      inputs: [this.left.input(JoinSide.JOIN_SIDE_UNSPECIFIED)],
      fn: erase('KEY_BY', leftKey),
      parameters: {},
    });
    return new JoinWhere<L, R, K>(builder, keyBy, this.right);
  }
}

/** `a.join(b).where(key)`: name the right key with `equalTo`. */
export class JoinWhere<L, R, K extends KeyValue> {
  /** @internal */
  constructor(
    private readonly builder: StreamGraphBuilder,
    private readonly leftKeyBy: StreamNode,
    private readonly right: DataStream<R>,
  ) {}

  /** The key of a right record; pairs whose keys are equal are joined. */
  equalTo(rightKey: (right: R) => K): JoinEqualTo<L, R, K> {
    const keyBy = this.builder.add({
      kind: OperatorKind.KEY_BY,
      name: 'Key By',
      inputs: [this.right.input(JoinSide.JOIN_SIDE_UNSPECIFIED)],
      fn: erase('KEY_BY', rightKey),
      parameters: {},
    });
    return new JoinEqualTo<L, R, K>(this.builder, this.leftKeyBy, keyBy);
  }
}

/** `...equalTo(key)`: choose the windows with `window`. */
export class JoinEqualTo<L, R, K extends KeyValue> {
  /** @internal */
  constructor(
    private readonly builder: StreamGraphBuilder,
    private readonly leftKeyBy: StreamNode,
    private readonly rightKeyBy: StreamNode,
  ) {}

  /** Joins records of the same key that fall into the same window. */
  window(assigner: WindowAssigner): JoinWindowed<L, R, K> {
    requireTimestampsFor(assigner, [this.leftKeyBy, this.rightKeyBy], 'A window join');
    return new JoinWindowed<L, R, K>(this.builder, this.leftKeyBy, this.rightKeyBy, assigner);
  }

  /** Phantom use of the type parameters. */
  protected readonly types?: (left: L, right: R, key: K) => void;
}

/** `...window(assigner)`: say what a joined pair becomes with `apply`. */
export class JoinWindowed<L, R, K extends KeyValue> {
  /** @internal */
  constructor(
    private readonly builder: StreamGraphBuilder,
    private readonly leftKeyBy: StreamNode,
    private readonly rightKeyBy: StreamNode,
    private readonly assigner: WindowAssigner,
  ) {}

  /** One output record per pair of a left and a right record with equal keys in one window. */
  apply<O>(fn: (left: L, right: R) => O): SingleOutputStreamOperator<O> {
    const node = this.builder.add({
      kind: OperatorKind.WINDOW_JOIN,
      name: 'Window Join',
      inputs: [
        { node: this.leftKeyBy, mode: 'HASH', side: JoinSide.LEFT },
        { node: this.rightKeyBy, mode: 'HASH', side: JoinSide.RIGHT },
      ],
      fn: erase('WINDOW_JOIN', fn),
      parameters: { window: this.assigner },
    });
    return new SingleOutputStreamOperator<O>(this.builder, node);
  }

  /** Phantom use of the key type. */
  protected readonly keyType?: (key: K) => void;
}
